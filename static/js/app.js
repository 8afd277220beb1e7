// Samråd's few lines of script, loaded on every page (no inline scripts: the pages are
// meant to run under a strict Content-Security-Policy).
// 1. A form that comes back with errors puts the keyboard focus on its error summary.
// 2. After an htmx swap the focus stays on the control the user was on, or lands in the
//    swapped part (its error summary, first invalid field, or heading) if that control
//    was replaced; a swap never takes the focus from where the user is now.
// 3. Status messages that htmx swaps in are read out by screen readers (#sr-announcer).
// 4. A form with data-busy (publishing, approving: seconds of PDF rendering) says so
//    while it is sent, and a second click does not send it again.
(function () {
  "use strict";

  function focusable(el) {
    return el && el.isConnected && !el.disabled && el.getAttribute("aria-hidden") !== "true";
  }

  function focusOn(el) {
    if (!el) return false;
    if (!el.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA|SUMMARY)$/.test(el.tagName)) {
      el.setAttribute("tabindex", "-1");
    }
    el.focus();
    return document.activeElement === el;
  }

  // 1. The error summary of a form sent back with errors.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) focusOn(summary);
  });

  // 2. Focus across swaps. `saved` is the element that had the focus just before the
  // swap, and how to find its replacement: its id, or its tag with its href or its name
  // and value and its text.
  var saved = null;

  function keyOf(el) {
    return [el.tagName, el.getAttribute("href") || "", el.getAttribute("name") || "",
            el.getAttribute("value") || "", (el.textContent || "").trim()].join("|");
  }

  function findAgain(info) {
    if (info.id) {
      var same = document.getElementById(info.id);
      if (same) return same;
    }
    var candidates = document.querySelectorAll(info.el.tagName);
    for (var i = 0; i < candidates.length; i++) {
      if (keyOf(candidates[i]) === info.key) return candidates[i];
    }
    return null;
  }

  function landingIn(root) {
    if (!root || !root.isConnected) return null;
    return root.querySelector(".ds-error-summary, [aria-invalid='true']") ||
           root.querySelector("h1[tabindex], h2[tabindex], h3[tabindex], [role='alert'][tabindex]") ||
           root.querySelector("h1, h2, h3, h4") || root;
  }

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var active = document.activeElement;
    if (!active || active === document.body) { saved = null; return; }
    saved = {el: active, id: active.id, key: keyOf(active), target: evt.detail.target,
             targetId: evt.detail.target && evt.detail.target.id};
  });

  document.addEventListener("htmx:afterSettle", function (evt) {
    announce(evt.target);
    var info = saved;
    saved = null;
    if (!info) return;
    var active = document.activeElement;
    if (info.el.isConnected && active === info.el) return;  // nothing was lost
    if (active && active !== document.body && active !== info.el) return;  // the user moved on
    var again = info.el.isConnected ? info.el : findAgain(info);
    if (focusable(again) && focusOn(again)) return;
    if (again && again.disabled) {  // e.g. "Up" on what is now the first item: its neighbour
      var sibling = again.parentElement && again.parentElement.querySelector("button:not([disabled])");
      if (focusable(sibling) && focusOn(sibling)) return;
    }
    var root = info.targetId ? document.getElementById(info.targetId) : info.target;
    focusOn(landingIn(root));
  });

  // 3. Read out what a swap says in its status regions (role="status"). A region that
  // is swapped in whole is often not announced, so its text is copied to one that stays.
  var clearTimer = null;

  function announce(root) {
    if (!root || !root.querySelectorAll) return;
    var regions = Array.prototype.slice.call(root.querySelectorAll("[role='status']"));
    if (root.getAttribute && root.getAttribute("role") === "status") regions.unshift(root);
    var texts = regions.map(function (r) { return (r.textContent || "").trim(); })
                       .filter(function (t) { return t; });
    var announcer = document.getElementById("sr-announcer");
    if (!texts.length || !announcer) return;
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = texts.join(" "); }, 50);
    window.clearTimeout(clearTimer);
    clearTimer = window.setTimeout(function () { announcer.textContent = ""; }, 8000);
  }

  // 4. Busy forms. Without script the form posts as usual; its hint says it takes time.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.hasAttribute || !form.hasAttribute("data-busy")) return;
    if (form.getAttribute("aria-busy") === "true") { evt.preventDefault(); return; }
    if (evt.defaultPrevented) return;
    form.setAttribute("aria-busy", "true");
    var button = form.querySelector("button");
    if (button) {
      button.dataset.idle = button.textContent;
      button.textContent = form.getAttribute("data-busy");
      button.setAttribute("aria-disabled", "true");
    }
    var announcer = document.getElementById("sr-announcer");
    if (announcer) announcer.textContent = form.getAttribute("data-busy");
  });

  window.addEventListener("pageshow", function () {  // back to a page kept in memory
    document.querySelectorAll("form[data-busy][aria-busy='true']").forEach(function (form) {
      form.removeAttribute("aria-busy");
      var button = form.querySelector("button");
      if (button && button.dataset.idle) {
        button.textContent = button.dataset.idle;
        button.removeAttribute("aria-disabled");
      }
    });
  });

  // An old error message goes when the user tries again.
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var verb = evt.detail.requestConfig && evt.detail.requestConfig.verb;
    var messages = document.getElementById("htmx-messages");
    if (messages && verb && verb !== "get" && messages.firstChild) messages.textContent = "";
  });
})();
