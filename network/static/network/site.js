// On every page: leave quickly, menus that close themselves, and no one's
// drafts kept for someone else.
// All work without this script too: "Leave quickly" is a plain link, menus are
// <details>, and a sign-out response tells the browser to clear the site's storage.
(function () {
  "use strict";

  // --- Leave quickly: the link, or Esc pressed three times within 2 s. ---
  // location.replace takes this page out of the history, so Back does not
  // bring it back.
  var exit = document.getElementById("quick-exit");
  var PRESSES = 3;
  var WITHIN_MS = 2000;
  var presses = [];

  function leave() {
    document.body.hidden = true;
    document.title = "";
    window.location.replace(exit.href);
  }

  if (exit) {
    exit.addEventListener("click", function (event) {
      if (event.button === 0 && !(event.ctrlKey || event.metaKey || event.shiftKey || event.altKey)) {
        event.preventDefault();
        leave();
      }
    });
    // Capture phase: a widget that handles Escape itself cannot swallow it.
    document.addEventListener(
      "keydown",
      function (event) {
        if (event.key !== "Escape" || event.repeat) {
          return;
        }
        var now = Date.now();
        presses = presses.filter(function (at) {
          return now - at < WITHIN_MS;
        });
        presses.push(now);
        if (presses.length >= PRESSES) {
          leave();
        }
      },
      true
    );
    var hint = document.getElementById("quick-exit-hint");
    if (hint) {
      hint.hidden = false;
    }
  }

  // --- Menus (<details class="menu">): they open and close without this
  // script; with it, one is open at a time, and Escape or a click elsewhere
  // closes it (Escape gives focus back to its button). ---
  var menus = document.querySelectorAll("details.menu");

  function closeMenus(except) {
    menus.forEach(function (menu) {
      if (menu !== except && menu.open) {
        menu.open = false;
      }
    });
  }

  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () {
      if (menu.open) {
        closeMenus(menu);
      }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    menus.forEach(function (menu) {
      if (menu.open) {
        menu.open = false;
        if (menu.contains(document.activeElement)) {
          menu.querySelector("summary").focus();
        }
      }
    });
  });
  document.addEventListener("click", function (event) {
    menus.forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) {
        menu.open = false;
      }
    });
  });

  // --- Drafts: only the signed-in member's stay in this browser. ---
  // forum.js keeps them as "network-draft:<owner>:<key>", where <owner> is an
  // opaque key per member that the server puts on <body>.
  var PREFIX = "network-draft:";
  var storage = null;
  try {
    storage = window.localStorage;
  } catch (error) {
    storage = null;
  }

  function forgetDrafts(keep) {
    if (!storage) {
      return;
    }
    var names = [];
    for (var i = 0; i < storage.length; i++) {
      var name = storage.key(i);
      if (name && name.indexOf(PREFIX) === 0 && !(keep && name.indexOf(keep) === 0)) {
        names.push(name);
      }
    }
    names.forEach(function (name) {
      storage.removeItem(name);
    });
  }

  var owner = document.body.dataset.draftOwner;
  // Someone else's drafts (a session that ended without a sign-out here),
  // and drafts from before they were kept per member. A page nobody is
  // signed in to keeps none: on a shared browser the next person may be
  // anyone, and a session that expired left its drafts behind.
  forgetDrafts(owner ? PREFIX + owner + ":" : null);

  // Signing out: drafts go at once, before the server's answer clears the rest.
  document.querySelectorAll("form[data-forget]").forEach(function (form) {
    form.addEventListener("submit", function () {
      try {
        forgetDrafts(null);
        if (form.dataset.forget === "device") {
          window.localStorage.clear();
          window.sessionStorage.clear();
        }
      } catch (error) {
        // Storage disabled: nothing was kept.
      }
    });
  });
})();
