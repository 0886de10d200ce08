// Long choices, made shorter to search: a filter box over a list of checkboxes
// (grouped in <details> or not) or over a <select>'s options, and a live
// "Chosen: N" on each group. Progressive enhancement only: without this script
// the disclosures open and close by themselves, every checkbox is there, and
// the form sends the same names and values.
//
// Markup: an element with data-filter-label="<label text>" holds the choices;
// each choice is a [data-filter-item] (or, for a <select>, an <option>); a
// group is a <details data-filter-group> with a [data-chosen-count] holding
// data-format="Chosen: %(count)s". data-filter-status="Shown: %(count)s" is
// announced as the filter narrows the list.
(function () {
  "use strict";

  function fold(text) {
    // Case and accents do not matter: "sao" finds "São Tomé".
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function format(template, count) {
    return template.replace("%(count)s", String(count));
  }

  function updateCount(group) {
    var counter = group.querySelector("[data-chosen-count]");
    if (!counter) {
      return;
    }
    var chosen = group.querySelectorAll("input:checked").length;
    counter.textContent = format(counter.dataset.format, chosen);
    counter.hidden = chosen === 0;
  }

  var serial = 0;

  function enhance(box) {
    var select = box.tagName === "SELECT" ? box : null;
    var items = select
      ? Array.prototype.slice.call(select.options).filter(function (option) {
          return option.value !== "";
        })
      : Array.prototype.slice.call(box.querySelectorAll("[data-filter-item]"));
    var groups = Array.prototype.slice.call(box.querySelectorAll("details[data-filter-group]"));
    var texts = items.map(function (item) {
      return fold(item.textContent + " " + (item.dataset.filterText || ""));
    });

    serial += 1;
    var id = "choice-filter-" + serial;
    var wrapper = document.createElement("div");
    wrapper.className = "choice-filter";
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = box.dataset.filterLabel;
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.autocomplete = "off";
    // Enter in the filter box narrows the list; it must not submit the form.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
      }
    });
    wrapper.appendChild(label);
    wrapper.appendChild(input);
    var status = null;
    if (box.dataset.filterStatus) {
      status = document.createElement("p");
      status.className = "choice-filter-status";
      status.setAttribute("role", "status");
      wrapper.appendChild(status);
    }
    box.parentNode.insertBefore(wrapper, box);

    groups.forEach(function (group) {
      group.dataset.wasOpen = group.open ? "true" : "false";
      updateCount(group);
      group.addEventListener("change", function () {
        updateCount(group);
      });
    });

    input.addEventListener("input", function () {
      var query = fold(input.value.trim());
      var shown = 0;
      items.forEach(function (item, index) {
        var match = !query || texts[index].indexOf(query) !== -1;
        item.hidden = !match;
        if (match) {
          shown += 1;
        }
      });
      groups.forEach(function (group) {
        if (!query) {
          group.hidden = false;
          group.open = group.dataset.wasOpen === "true" || group.querySelector("input:checked") !== null;
          return;
        }
        var any = group.querySelector("[data-filter-item]:not([hidden])") !== null;
        group.hidden = !any;
        group.open = any;
      });
      if (status) {
        status.textContent = query ? format(box.dataset.filterStatus, shown) : "";
      }
    });
  }

  document.querySelectorAll("[data-filter-label]").forEach(enhance);

  // A time zone never chosen: the browser's own, if the list has it (the member saves it).
  document.querySelectorAll("select[data-browser-zone]").forEach(function (select) {
    var zone = "";
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return;
    }
    if (zone && select.value === "UTC" && select.querySelector('option[value="' + zone + '"]')) {
      select.value = zone;
    }
  });
})();
