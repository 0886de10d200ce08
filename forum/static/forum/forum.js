// Forum forms: keep what the member writes, preview it, post it once.
// Every form works without this script; it adds comfort, never function.
(function () {
  "use strict";

  // Drafts are kept per member, under the opaque key the page carries (site.js
  // removes everyone else's); without one nothing is kept.
  var owner = document.body.dataset.draftOwner;
  var PREFIX = "network-draft:" + owner + ":";
  var storage = null;
  try {
    if (!owner) {
      throw new Error("no member");
    }
    storage = window.localStorage;
    storage.setItem(PREFIX + "probe", "1");
    storage.removeItem(PREFIX + "probe");
  } catch (error) {
    storage = null; // private mode or storage disabled: drafts are not kept
  }

  // After a successful post the server names the draft to forget (with the
  // drafts of its other boxes, stored as "<key>:<field>").
  var cleared = document.querySelector('meta[name="draft-clear"]');
  if (cleared && storage) {
    var forget = [];
    for (var i = 0; i < storage.length; i++) {
      var name = storage.key(i);
      if (name === PREFIX + cleared.content || name.indexOf(PREFIX + cleared.content + ":") === 0) {
        forget.push(name);
      }
    }
    forget.forEach(function (name) {
      storage.removeItem(name);
    });
  }

  function keepDraft(key, box) {
    var stored = storage.getItem(PREFIX + key);
    // Restore only into an empty box: a form the server sent back with the
    // member's text (after an error) wins over the stored copy.
    if (stored && !box.value.trim()) {
      box.value = stored;
    }
    box.addEventListener("input", function () {
      if (box.value.trim()) {
        storage.setItem(PREFIX + key, box.value);
      } else {
        storage.removeItem(PREFIX + key);
      }
    });
  }

  function keepDrafts(form) {
    var key = form.dataset.draftKey;
    if (!key || !storage) {
      return;
    }
    // The reply box keeps the plain key; a form with several Markdown boxes
    // (a lesson) keeps one draft per box.
    form.querySelectorAll("textarea[name=body], textarea[data-markdown]").forEach(function (box) {
      keepDraft(box.name === "body" ? key : key + ":" + box.name, box);
    });
  }

  function postOnce(form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitting === "1") {
        event.preventDefault();
        return;
      }
      var submitter = event.submitter;
      if (submitter && submitter.name === "preview") {
        return;
      }
      form.dataset.submitting = "1";
      // Let the browser send the form, then stop a second click. If the
      // network fails, the page stays and a reload restores the draft.
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (button) {
          button.disabled = true;
        });
      }, 0);
    });
  }

  function livePreview(form) {
    var url = form.dataset.previewUrl;
    var body = form.querySelector("textarea[name=body]");
    var section = form.querySelector("[data-preview-target]");
    var output = form.querySelector("[data-preview-output]");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!url || !body || !section || !output || !token || !window.fetch) {
      return;
    }
    var timer = null;
    var sent = 0;
    function render() {
      var text = body.value;
      if (!text.trim()) {
        section.hidden = true;
        return;
      }
      var request = ++sent;
      var data = new FormData();
      data.append("body", text);
      fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token.value },
      })
        .then(function (response) {
          return response.ok ? response.text() : null;
        })
        .then(function (html) {
          // Sanitised on the server by the one markup pipeline; a late
          // answer to an older request is dropped.
          if (html !== null && request === sent) {
            output.innerHTML = html;
            section.hidden = false;
          }
        })
        .catch(function () {});
    }
    body.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(render, 400);
    });
  }

  document.querySelectorAll("form.post-form").forEach(function (form) {
    keepDrafts(form);
    postOnce(form);
    livePreview(form);
  });

  // Back from a refused post (e.g. the "please slow down" page), the browser
  // may restore this page as it was left: submitting, buttons disabled.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    document.querySelectorAll("form.post-form").forEach(function (form) {
      delete form.dataset.submitting;
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = false;
      });
    });
  });
})();
