// The member picker of a round (templates/proposals/_round_fields.html): a search box
// that filters the list, a box per subregion or county that checks or unchecks all of
// its members, a count of the chosen, and choosing anything selects "Chosen members".
// The server decides the chosen set from the boxes; without this script the subregion
// and county boxes still add all their members.
(function () {
  "use strict";

  function fold(text) {
    return (text || "").toLocaleLowerCase("nb").normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function setUp(picker) {
    var form = picker.closest("form");
    var search = picker.querySelector("[data-picker-search]");
    var query = picker.querySelector("[data-picker-query]");
    var count = picker.querySelector("[data-picker-count]");
    var items = Array.prototype.slice.call(picker.querySelectorAll("[data-picker-item]"));
    var groups = Array.prototype.slice.call(picker.querySelectorAll("[data-picker-group]"));
    var boxOf = function (item) { return item.querySelector("input[name=members]"); };

    function chooseScope() {
      var chosen = form.querySelector("input[name=scope][value=chosen]");
      if (chosen) chosen.checked = true;
    }

    function refresh() {
      var n = items.filter(function (item) { return boxOf(item).checked; }).length;
      count.textContent = n + " " + count.getAttribute("data-label-chosen");
      groups.forEach(function (group) {
        var boxes = Array.prototype.slice.call(group.querySelectorAll("input[name=members]"));
        var all = group.querySelector("[data-picker-all]");
        all.checked = boxes.length > 0 && boxes.every(function (b) { return b.checked; });
        all.indeterminate = !all.checked && boxes.some(function (b) { return b.checked; });
      });
      picker.querySelectorAll("[data-picker-county]").forEach(function (box) {
        var mine = items.filter(function (item) {
          return item.getAttribute("data-county") === box.getAttribute("data-picker-county");
        });
        box.checked = mine.length > 0 && mine.every(function (item) { return boxOf(item).checked; });
      });
    }

    function filter() {
      var words = fold(query.value).trim();
      items.forEach(function (item) {
        item.hidden = words !== "" && fold(item.getAttribute("data-name")).indexOf(words) === -1;
      });
      groups.forEach(function (group) {
        group.hidden = !Array.prototype.some.call(group.querySelectorAll("[data-picker-item]"),
                                                  function (item) { return !item.hidden; });
      });
    }

    picker.addEventListener("change", function (event) {
      var box = event.target;
      if (box.hasAttribute("data-picker-all")) {
        box.closest("[data-picker-group]").querySelectorAll("input[name=members]")
          .forEach(function (b) { b.checked = box.checked; });
      } else if (box.hasAttribute("data-picker-county")) {
        items.forEach(function (item) {
          if (item.getAttribute("data-county") === box.getAttribute("data-picker-county")) {
            boxOf(item).checked = box.checked;
          }
        });
      }
      if (box.type === "checkbox") {
        chooseScope();
        refresh();
      }
    });
    query.addEventListener("input", filter);
    // Enter in the search box filters; it does not send the form.
    query.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
    // A whole subregion or county the server was sent (a form back with errors).
    groups.forEach(function (group) {
      if (group.querySelector("[data-picker-all]").checked) {
        group.querySelectorAll("input[name=members]").forEach(function (b) { b.checked = true; });
      }
    });
    picker.querySelectorAll("[data-picker-county]:checked").forEach(function (box) {
      items.forEach(function (item) {
        if (item.getAttribute("data-county") === box.getAttribute("data-picker-county")) {
          boxOf(item).checked = true;
        }
      });
    });
    search.hidden = false;
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-member-picker]").forEach(setUp);
  });
})();
