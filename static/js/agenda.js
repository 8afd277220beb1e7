// The agenda: drag and drop with SortableJS posts the new order through htmx. (Where
// the keyboard focus goes after the swap is static/js/app.js's business.)
(function () {
  "use strict";

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
