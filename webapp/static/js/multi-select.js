/* A searchable multi-select for long lists (the 137 places an organization serves), by touch
   and keyboard, without a build step. Progressive: the page sends a plain <select multiple>
   (it works alone, with Ctrl/⌘-click); this script hides it and shows instead a filter box, the
   chosen items as removable buttons and the options as checkboxes, kept in step with the
   select, which is still what the form submits.
   Markup: <select multiple data-searchable data-filter-label="…" data-chosen-label="…"
   data-remove-label="… {name}" data-hint="…">; the hint replaces the field's "Hold Ctrl" hint. */
(function () {
  "use strict";
  var normalize = window.AHYA_NORMALIZE || function (s) { return s.toLowerCase().trim(); };

  function enhance(select) {
    var d = select.dataset;
    var box = document.createElement("div");
    box.className = "multi-select";
    var filter = document.createElement("input");
    filter.type = "search";
    filter.id = select.id + "-filter";
    filter.className = "multi-filter";
    filter.setAttribute("autocomplete", "off");
    filter.setAttribute("aria-label", d.filterLabel || "");
    filter.placeholder = d.filterLabel || "";
    filter.setAttribute("aria-controls", select.id + "-options");
    var chosen = document.createElement("div");
    chosen.className = "multi-chosen";
    chosen.setAttribute("aria-live", "polite");
    var list = document.createElement("div");
    list.className = "multi-options";
    list.id = select.id + "-options";
    list.setAttribute("role", "group");
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    if (label) { list.setAttribute("aria-label", label.textContent.trim()); }

    var rows = [];
    Array.prototype.forEach.call(select.options, function (opt, i) {
      var row = document.createElement("label");
      row.className = "multi-option";
      var cb = document.createElement("input");
      cb.type = "checkbox";
      cb.value = opt.value;
      cb.id = select.id + "-opt-" + i;
      cb.checked = opt.selected;
      cb.addEventListener("change", function () { opt.selected = cb.checked; drawChosen(); });
      row.appendChild(cb);
      row.appendChild(document.createTextNode(" " + opt.text));
      list.appendChild(row);
      rows.push({ row: row, cb: cb, opt: opt, key: normalize(opt.text) });
    });

    function drawChosen() {
      chosen.textContent = "";
      var picked = rows.filter(function (r) { return r.opt.selected; });
      if (!picked.length) { return; }
      var title = document.createElement("span");
      title.className = "multi-chosen-title";
      title.textContent = (d.chosenLabel || "") + " ";
      chosen.appendChild(title);
      picked.forEach(function (r) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "multi-chip";
        b.textContent = r.opt.text + " ×";
        b.setAttribute("aria-label", (d.removeLabel || "{name}").replace("{name}", r.opt.text));
        b.addEventListener("click", function () {
          r.opt.selected = false; r.cb.checked = false; drawChosen(); filter.focus();
        });
        chosen.appendChild(b);
      });
    }

    filter.addEventListener("input", function () {
      var q = normalize(filter.value);
      rows.forEach(function (r) { r.row.hidden = !!q && r.key.indexOf(q) < 0; });
    });
    // Enter in the filter ticks the only visible option instead of sending the form.
    filter.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") { return; }
      e.preventDefault();
      var shown = rows.filter(function (r) { return !r.row.hidden; });
      if (shown.length === 1) { shown[0].cb.click(); }
      else if (shown.length) { shown[0].cb.focus(); }
    });

    box.appendChild(chosen);
    box.appendChild(filter);
    box.appendChild(list);
    select.hidden = true;
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    select.parentNode.insertBefore(box, select.nextSibling);
    if (label) { label.setAttribute("for", filter.id); }
    var hint = document.getElementById(select.id + "-hint");
    if (hint && d.hint) { hint.textContent = d.hint; filter.setAttribute("aria-describedby", hint.id); }
    drawChosen();
  }

  document.querySelectorAll("select[multiple][data-searchable]").forEach(enhance);
})();
