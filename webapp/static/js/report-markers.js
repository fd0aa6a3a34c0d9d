/* Report markers and popups for the public map (used by reports-layer.js).
   Popups are built with textContent: report text is user input, never HTML. Marker HTML holds
   taxonomy values only (colour, icon), escaped anyway.
   AHYA_REPORT_MARKERS(conf, areaNames) → { makeMarker, popupNode, markerHtml, node, escapeHtml,
   shownTitle };
   conf is the #ahya-reports settings, areaNames the place names by slug (map-data.js
   fills that object once the search index has loaded). */
(function () {
  "use strict";
  window.AHYA_REPORT_MARKERS = function (conf, areaNames) {
    var t = conf.strings;
    var KINDS = ["challenge", "initiative"];
    var categories = {};
    KINDS.forEach(function (kind) {
      categories[kind] = {};
      (conf.categories[kind] || []).forEach(function (c) { categories[kind][c.id] = c; });
    });

    /* A demo report in the page's language: its title is made from its kind, category and area
       (geo/spatial/demo.py demo_title; conf.demoTitles holds the patterns of both languages). Only a
       title the generator wrote is rebuilt: it must match its language's pattern with the
       report's own area name; any other title is shown as written. */
    function patternRegex(pattern) {
      var parts = pattern.split(/\{cat\}|\{area\}/).map(function (x) {
        return x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      });
      return new RegExp("^" + parts.join("(.+)") + "$");
    }
    function shownTitle(p) {
      var patterns = conf.demoTitles || {};
      function pattern(code) {
        var set = patterns[code];
        return set && set[p.kind] ? "[" + set.prefix + "] " + set[p.kind] : null;
      }
      var other = conf.lang === "ar" ? "en" : "ar";
      var mine = pattern(conf.lang), theirs = pattern(other);
      var place = areaNames[p.area], cat = categories[p.kind] && categories[p.kind][p.category];
      if (!p.is_demo || !mine || !theirs || !place || !cat) { return p.title; }
      var m = patternRegex(theirs).exec(p.title || "");
      var areaAt = theirs.indexOf("{area}") > theirs.indexOf("{cat}") ? 2 : 1;
      if (!m || m[areaAt] !== place["name_" + other]) { return p.title; }
      return mine.replace("{cat}", cat.label).replace("{area}", place["name_" + conf.lang]);
    }

    function escapeHtml(text) {
      return String(text).replace(/[&<>"']/g, function (c) {
        return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
      });
    }

    function node(tag, className, text) {
      var el = document.createElement(tag);
      if (className) { el.className = className; }
      if (text !== undefined && text !== null) { el.textContent = text; }
      return el;
    }

    function category(kind, id) {
      return categories[kind][id] || { id: id, label: id, colour: "#4a4e69", icon: "•" };
    }

    /* The marker's look as HTML; only taxonomy values (colour, icon) go in, escaped anyway. */
    /* A settled report (resolved, no longer relevant, ended: conf.closedStates) is drawn faded. */
    function markerHtml(kind, cat, demo, id, status) {
      var icon = String(cat.icon || "•");
      var closed = !!status && (conf.closedStates || []).indexOf(status) >= 0;
      var cls = "ahya-report-marker " + kind + (demo ? " demo" : "") + (icon.length > 1 ? " small-text" : "") +
        (closed ? " closed" : "");
      var data = id === undefined ? "" : ' data-id="' + escapeHtml(id) + '"';
      return '<span class="' + cls + '"' + data + ' style="background:' + escapeHtml(cat.colour) + '">' +
        escapeHtml(icon) + "</span>";
    }

    function formatDate(iso) {
      if (!iso) { return ""; }
      var d = new Date(iso + "T00:00:00Z");
      if (isNaN(d.getTime())) { return iso; }
      // Latin digits, like the server-rendered pages.
      return d.toLocaleDateString(conf.lang === "ar" ? "ar-u-nu-latn" : "en",
                                  { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" });
    }

    /* The report's public structured fields (label: value unit), in the taxonomy's order. */
    function fieldValue(def, value) {
      if (def.type === "choice" || def.type === "multi") {
        return [].concat(value).map(function (id) { return def.choices[id] || id; }).join(conf.lang === "ar" ? "، " : ", ");
      }
      if (def.type === "yesno") { return value ? t.yes : t.no; }
      if (typeof value === "number") {
        var digits = String(Math.round(value * 100) / 100).split(".");
        digits[0] = digits[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
        return digits.join(".") + (def.unit ? " " + def.unit : "");
      }
      return String(value);
    }

    function fieldLines(values) {
      var defs = conf.fields || {};
      var ids = Object.keys(defs).filter(function (id) { return values && values[id] !== undefined; })
        .sort(function (a, b) { return defs[a].order - defs[b].order; });
      if (!ids.length) { return null; }
      var list = node("ul", "fields");
      ids.forEach(function (id) {
        var item = node("li", "", defs[id].label + ": " + fieldValue(defs[id], values[id]));
        item.setAttribute("dir", "auto");
        list.appendChild(item);
      });
      return list;
    }

    function popupNode(props) {
      var cat = category(props.kind, props.category);
      var box = node("div", "ahya-report-popup");
      box.setAttribute("dir", conf.dir);
      box.setAttribute("lang", conf.lang);
      var kicker = node("p", "meta");
      var catEl = node("span", "cat", cat.label);
      catEl.style.color = cat.colour;
      kicker.appendChild(catEl);
      kicker.appendChild(document.createTextNode(" · " + t[props.kind + "One"]));
      if (props.is_demo) { kicker.appendChild(node("span", "demo-badge", t.demo)); }
      if (props.status && conf.states && conf.states[props.status]) {
        kicker.appendChild(document.createTextNode(" · "));
        kicker.appendChild(node("span", "state-badge state-" + props.status, conf.states[props.status]));
      }
      box.appendChild(kicker);
      var title = node("h3", "", shownTitle(props));
      title.setAttribute("dir", "auto");
      box.appendChild(title);
      var place = areaNames[props.area];
      var meta = [place ? (conf.lang === "ar" ? place.name_ar : place.name_en) : "",
                  formatDate(props.observed_on)].filter(Boolean);
      if (meta.length) { box.appendChild(node("p", "meta", meta.join(" · "))); }
      var rec = props.organization_record;
      if (rec) {
        // A linked organization: its name (in the page's language when it has one) links to its page.
        var orgLine = node("p", "meta", t.organization + ": ");
        var orgLink = node("a", "org-link", (conf.lang === "en" ? rec.name_en || rec.name_ar
                                                                  : rec.name_ar || rec.name_en));
        orgLink.href = rec.url;
        orgLink.setAttribute("dir", "auto");
        orgLine.appendChild(orgLink);
        box.appendChild(orgLine);
      } else if (props.organization) {
        var org = node("p", "meta", t.organization + ": " + props.organization);
        org.setAttribute("dir", "auto");
        box.appendChild(org);
      }
      var figures = fieldLines(props.fields);
      if (figures) { box.appendChild(figures); }
      if (props.excerpt) {
        var text = node("p", "excerpt", props.excerpt);
        text.setAttribute("dir", "auto");
        box.appendChild(text);
      }
      var more = node("a", "more", t.more);
      more.href = props.url;
      box.appendChild(node("p")).appendChild(more);
      return box;
    }

    function makeMarker(feature) {
      var p = feature.properties, c = feature.geometry.coordinates;
      var cat = category(p.kind, p.category);
      var marker = L.marker([c[1], c[0]], {
        title: shownTitle(p) + " · " + cat.label,  // Leaflet sets it as the title attribute (text, not HTML)
        alt: cat.label,
        icon: L.divIcon({ className: "ahya-report-icon", html: markerHtml(p.kind, cat, p.is_demo, p.id, p.status),
                          iconSize: [26, 26], iconAnchor: [13, 13], popupAnchor: [0, -12] })
      });
      marker.feature = feature;
      marker.bindPopup(function () { return popupNode(p); }, { maxWidth: 300 });
      return marker;
    }

    return { makeMarker: makeMarker, popupNode: popupNode, markerHtml: markerHtml, node: node,
             escapeHtml: escapeHtml, shownTitle: shownTitle };
  };
})();
