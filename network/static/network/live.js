// Live notifications: unread badge, toasts, reconnect with catch-up.
// Loaded only for members (see base.html). Every page works without it; this
// adds the live parts. Text from the server is inserted as text, never HTML.
(function () {
  "use strict";

  var body = document.body;
  var socketPath = body.dataset.socketPath;
  if (!socketPath || !("WebSocket" in window)) {
    return;
  }

  var listUrl = body.dataset.liveUrl || "/notifications/";
  var lastId = parseInt(body.dataset.lastId || "0", 10) || 0;
  var seen = new Set();
  var attempts = 0;
  var socket = null;
  var heartbeat = null;
  var stopped = false;
  var failedHandshakes = 0;
  var MAX_TOASTS = 3;
  // Closed by the server on purpose: not signed in, not a member, session ended.
  // The server accepts the handshake before closing, so these codes arrive.
  var FINAL_CODES = { 4000: true, 4401: true, 4403: true };
  // Handshakes that fail outright (server down, a proxy refusing, another
  // origin) carry no code: after this many in a row the page stops trying
  // (about five minutes of backoff) until the tab is shown again or the
  // browser is back online.
  var MAX_FAILED_HANDSHAKES = 12;

  var badge = document.getElementById("unread-count");
  var toasts = document.getElementById("toasts");

  function setUnread(count) {
    if (!badge || typeof count !== "number") {
      return;
    }
    badge.textContent = String(count);
    badge.hidden = count === 0;
  }

  function safeUrl(url) {
    // Only paths on this site: never another origin, never javascript:.
    if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") {
      return url;
    }
    return listUrl;
  }

  function dismiss(toast) {
    if (toast.parentNode) {
      toast.parentNode.removeChild(toast);
    }
  }

  function showToast(frame) {
    if (!toasts) {
      return;
    }
    var toast = document.createElement("div");
    toast.className = "toast";
    var text = document.createElement("p");
    text.textContent = frame.text;
    text.dir = "auto"; // member names inside are isolated from the page around
    var link = document.createElement("a");
    link.href = safeUrl(frame.url);
    link.textContent = body.dataset.openLabel || "Open";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", body.dataset.closeLabel || "Dismiss");
    close.textContent = "\u00d7";
    close.addEventListener("click", function () {
      dismiss(toast);
    });
    toast.appendChild(text);
    toast.appendChild(link);
    toast.appendChild(close);
    toasts.appendChild(toast);
    while (toasts.children.length > MAX_TOASTS) {
      dismiss(toasts.firstElementChild);
    }
    window.setTimeout(function () {
      if (!toast.contains(document.activeElement)) {
        dismiss(toast);
      }
    }, 12000);
  }

  function markReadOnPage(ids) {
    ids.forEach(function (id) {
      var item = document.querySelector('[data-notification-id="' + Number(id) + '"]');
      if (item) {
        item.classList.remove("notification-unread");
        var form = item.querySelector(".mark-read-form");
        if (form) {
          dismiss(form);
        }
      }
    });
  }

  function onMessage(event) {
    var frame;
    try {
      frame = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    if (!frame || typeof frame !== "object") {
      return;
    }
    if (frame.type === "notification" && typeof frame.id === "number") {
      if (frame.id > lastId) {
        lastId = frame.id;
      }
      setUnread(frame.unread);
      if (seen.has(frame.id)) {
        return;
      }
      seen.add(frame.id);
      showToast(frame);
    } else if (frame.type === "read" && Array.isArray(frame.ids)) {
      setUnread(frame.unread);
      markReadOnPage(frame.ids);
    }
  }

  function scheduleReconnect() {
    if (stopped) {
      return;
    }
    // Exponential backoff with jitter, capped at 30 s, so that a restarted
    // server is not hit by every client at the same moment.
    var delay = Math.min(30000, 1000 * Math.pow(2, attempts)) * (0.5 + Math.random() / 2);
    attempts += 1;
    window.setTimeout(connect, delay);
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    // data-live-state (connecting, open, closed) tells tests and styles
    // whether the page is live.
    body.dataset.liveState = "connecting";
    socket = new WebSocket(scheme + window.location.host + socketPath + "?after=" + lastId);
    var opened = false;
    socket.addEventListener("open", function () {
      body.dataset.liveState = "open";
      opened = true;
      attempts = 0;
      failedHandshakes = 0;
      heartbeat = window.setInterval(function () {
        if (socket.readyState === WebSocket.OPEN) {
          socket.send('{"type":"ping"}');
        }
      }, 25000);
    });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", function (event) {
      body.dataset.liveState = "closed";
      window.clearInterval(heartbeat);
      if (FINAL_CODES[event.code]) {
        stopped = true;
        return;
      }
      if (event.code === 4429) {
        // Too many sockets or attempts: the handshake was accepted only to
        // say so, which must not reset the backoff. Wait 8 s or more.
        attempts = Math.max(attempts, 4);
      } else if (!opened) {
        failedHandshakes += 1;
        if (failedHandshakes >= MAX_FAILED_HANDSHAKES) {
          body.dataset.liveState = "stopped";
          return;
        }
      }
      scheduleReconnect();
    });
  }

  function retryAfterFailures() {
    // Only a page that gave up on failed handshakes tries again; one the
    // server closed on purpose (signed out, banned) stays closed.
    if (!stopped && failedHandshakes >= MAX_FAILED_HANDSHAKES && document.visibilityState !== "hidden") {
      failedHandshakes = 0;
      attempts = 0;
      connect();
    }
  }
  window.addEventListener("online", retryAfterFailures);
  document.addEventListener("visibilitychange", retryAfterFailures);

  connect();
})();
