// Samråd's few lines of script, loaded on every page (no inline scripts: the pages are
// meant to run under a strict Content-Security-Policy).
// 1. A form that comes back with errors puts the keyboard focus on its error summary.
// 2. After an htmx swap the focus stays on the control the user was on, or lands in the
//    swapped part (its error summary, first invalid field, or heading) if that control
//    was replaced; a swap never takes the focus from where the user is now.
// 3. Status messages that htmx swaps in are read out by screen readers (#sr-announcer).
// 4. An act that cannot be undone is asked about first, in a dialog (data-confirm).
// 5. A form that htmx brings back with errors takes the focus to its first invalid
//    field and has its errors read out.
// 6. Parts that poll keep the <details> the user opened, and can be paused.
// 7. A form with data-busy (publishing, approving: seconds of PDF rendering) says so
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

  // 1. The error summary of a form sent back with errors; a form without a summary: its
  // first invalid field (which brings the form into view).
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-focus-on-load]") ||
                  document.querySelector("main [aria-invalid='true']");
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
    var swapped = (info && info.targetId && document.getElementById(info.targetId)) || evt.target;
    if (showErrors(swapped)) return;
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

  function textsOf(elements) {
    return Array.prototype.map.call(elements, function (r) { return (r.textContent || "").trim(); })
                          .filter(function (t) { return t; });
  }

  function say(texts) {
    var announcer = document.getElementById("sr-announcer");
    if (!texts.length || !announcer) return;
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = texts.join(" "); }, 50);
    window.clearTimeout(clearTimer);
    clearTimer = window.setTimeout(function () { announcer.textContent = ""; }, 8000);
  }

  function announce(root) {
    if (!root || !root.querySelectorAll) return;
    var regions = Array.prototype.slice.call(root.querySelectorAll("[role='status']"));
    if (root.getAttribute && root.getAttribute("role") === "status") regions.unshift(root);
    say(textsOf(regions));
  }

  // 5. A form that htmx brings back with errors does what the error summary of a full
  // page does: the focus goes to the first invalid field (else to the error message),
  // and what is wrong is read out.
  function showErrors(root) {
    if (!root || !root.querySelector) return false;
    var first = root.querySelector("[aria-invalid='true']") || root.querySelector(".error-summary");
    if (!first) return false;
    focusOn(first);
    say(textsOf(root.querySelectorAll(".error-summary p, .error-summary li, .ds-validation-message")));
    return true;
  }

  // 4. Ask before an act that cannot be undone (decisions/confirm.py). The form or its
  // button carries the question in data-confirm; the dialog asks it, and only a yes
  // sends the form, with confirmed=1. No, Escape or the backdrop close it and return
  // the focus to the button. (Without script the server asks on a page of its own.)
  var asking = null;

  function question(el) {
    if (!el) return null;
    if (el.hasAttribute("data-confirm")) return el;
    var form = el.form || el.closest("form");
    return form && form.hasAttribute("data-confirm") ? form : null;
  }

  function ask(source, opener, go) {
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") return go();
    asking = {opener: opener, go: go};
    document.getElementById("confirm-dialog-text").textContent = source.getAttribute("data-confirm");
    document.getElementById("confirm-dialog-yes").textContent =
      source.getAttribute("data-confirm-button") || (opener && opener.textContent.trim()) || "OK";
    dialog.returnValue = "";
    dialog.showModal();
  }

  document.addEventListener("close", function (evt) {
    if (!evt.target || evt.target.id !== "confirm-dialog" || !asking) return;
    var done = asking;
    asking = null;
    if (evt.target.returnValue === "confirm") {
      done.go();
    } else if (done.opener && done.opener.isConnected) {
      done.opener.focus();
    }
  }, true);

  // A plain form: stopped before it is sent, sent again with confirmed=1 after a yes.
  document.addEventListener("submit", function (evt) {
    var form = evt.target, submitter = evt.submitter || null;
    if (form.method === "dialog" || form.hasAttribute("hx-post")) return;  // htmx: below
    if (submitter && submitter.hasAttribute("hx-post")) return;
    var source = question(submitter) || question(form);
    if (!source || form.querySelector("input[name=confirmed]")) return;
    evt.preventDefault();
    evt.stopImmediatePropagation();
    ask(source, submitter || document.activeElement, function () {
      var yes = document.createElement("input");
      yes.type = "hidden"; yes.name = "confirmed"; yes.value = "1";
      form.appendChild(yes);
      if (submitter) form.requestSubmit(submitter); else form.requestSubmit();
      yes.remove();  // sent already; a page restored by Back asks again
    });
  }, true);

  // An htmx form or button: htmx asks before every request it makes.
  document.addEventListener("htmx:confirm", function (evt) {
    var elt = evt.detail.elt;
    var source = elt && elt.hasAttribute("data-confirm") ? elt : null;
    if (!source || elt.getAttribute("data-confirmed") === "1") return;
    evt.preventDefault();
    var opener = elt.tagName === "FORM" ? (elt.querySelector("button") || elt) : elt;
    if (document.activeElement && elt.contains(document.activeElement)) opener = document.activeElement;
    ask(source, opener, function () {
      elt.setAttribute("data-confirmed", "1");
      evt.detail.issueRequest(true);
    });
  });

  document.addEventListener("htmx:configRequest", function (evt) {
    var elt = evt.detail.elt;
    if (elt && elt.getAttribute("data-confirmed") === "1") {
      elt.removeAttribute("data-confirmed");
      evt.detail.parameters.confirmed = "1";
    }
  });

  // 6. Parts that update themselves (the consensus board polls every 15 s) keep what the
  // user opened: a <details data-keep-state id> is as open after a swap as before it.
  // Their updates can be paused (WCAG 2.2.2) with a button data-pause-polling="#id"
  // (aria-pressed); while paused, the part asks for nothing.
  var openBefore = {};
  var paused = {};

  document.addEventListener("htmx:beforeSwap", function () {
    openBefore = {};
    document.querySelectorAll("details[data-keep-state][id]").forEach(function (d) {
      openBefore[d.id] = d.open;
    });
  });

  document.addEventListener("htmx:afterSwap", function () {
    Object.keys(openBefore).forEach(function (id) {
      var d = document.getElementById(id);
      if (d && d.open !== openBefore[id]) d.open = openBefore[id];
    });
  });

  function syncPauseButtons() {
    document.querySelectorAll("[data-pause-polling]").forEach(function (button) {
      button.setAttribute("aria-pressed", paused[button.getAttribute("data-pause-polling")] ? "true" : "false");
      var holder = button.closest("[hidden]");
      if (holder) holder.hidden = false;  // without script nothing polls: no button
    });
  }
  document.addEventListener("DOMContentLoaded", syncPauseButtons);
  document.addEventListener("htmx:afterSettle", syncPauseButtons);

  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-pause-polling]");
    if (!button) return;
    var which = button.getAttribute("data-pause-polling");
    paused[which] = !paused[which];
    syncPauseButtons();
    var part = document.querySelector(which);
    if (!paused[which] && part && window.htmx) window.htmx.trigger(part, "refresh");
  });

  document.addEventListener("htmx:confirm", function (evt) {
    var elt = evt.detail.elt;
    if (elt && elt.id && paused["#" + elt.id] && evt.detail.verb === "get") evt.preventDefault();
  });

  // A polled part with data-etag sends it as If-None-Match: the server answers 304,
  // without building the part, while nothing it shows has changed. A 304 swaps
  // nothing.
  document.addEventListener("htmx:configRequest", function (evt) {
    var elt = evt.detail.elt;
    if (elt && elt.getAttribute && elt.getAttribute("data-etag") && evt.detail.verb === "get") {
      evt.detail.headers["If-None-Match"] = elt.getAttribute("data-etag");
    }
  });

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail.xhr;
    if (!xhr || xhr.status !== 304) return;
    evt.detail.shouldSwap = false;
    evt.detail.isError = false;
  });

  // 7. Busy forms. Without script the form posts as usual; its hint says it takes time.
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
