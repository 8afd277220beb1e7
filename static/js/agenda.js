// The agenda: drag and drop with SortableJS posts the new order through htmx, and
// after any swap the keyboard focus returns to the control the user pressed.
(function () {
  "use strict";
  var focusId = null;

  document.addEventListener("htmx:beforeRequest", function () {
    var active = document.activeElement;
    focusId = active && active.id ? active.id : null;
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!focusId) return;
    var target = document.getElementById(focusId);
    if (target) target.focus();
    focusId = null;
  });

  htmx.onLoad(function (content) {
    var lists = content.querySelectorAll ? content.querySelectorAll(".sortable") : [];
    if (content.classList && content.classList.contains("sortable")) lists = [content];
    Array.prototype.forEach.call(lists, function (list) {
      if (typeof Sortable === "undefined" || list.dataset.sortableReady) return;
      list.dataset.sortableReady = "1";
      Sortable.create(list, {
        handle: ".drag-handle",
        animation: 150,
        draggable: ".agenda-item",
        onEnd: function () {
          htmx.trigger(list.closest("form"), "reorder");
        }
      });
    });
  });
})();
