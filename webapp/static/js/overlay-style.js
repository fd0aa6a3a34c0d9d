/* Imported overlays drawn with their stored style: one colour, or colours by the values of one
   attribute; line width, point radius, fill; a tooltip with the label attribute and a popup
   listing the chosen attributes. Everything from the file is set with textContent: never HTML.
   Shared by the public map (overlays.js) and the admin's preview (admin-layers.js).
   AhyaOverlay.layer(o, pane) → an empty L.geoJSON to fill; AhyaOverlay.legendItem(o) → <li>.
   o: one entry of the page's overlay list (web.mapview.overlay_config). */
(function () {
  "use strict";
  if (!window.L) { return; }

  function node(tag, cls, text) {
    var el = document.createElement(tag);
    if (cls) { el.className = cls; }
    if (text !== undefined && text !== null) { el.textContent = String(text); }
    return el;
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function has(obj, key) { return Object.prototype.hasOwnProperty.call(obj || {}, key); }

  function colorOf(o, props) {
    if (o.by && props && props[o.by] !== null && props[o.by] !== undefined && has(o.colors, String(props[o.by]))) {
      return o.colors[String(props[o.by])];
    }
    return o.color;
  }

  function shown(value) { return value !== null && value !== undefined && value !== ""; }

  function popupNode(o, props) {
    var box = node("div", "ahya-overlay-popup");
    box.setAttribute("dir", "auto");
    box.appendChild(node("h3", "", o.title));
    var dl = node("dl");
    o.popup.forEach(function (attr) {
      if (!props || !shown(props[attr])) { return; }
      dl.appendChild(node("dt", "", attr));
      var dd = dl.appendChild(node("dd", "", props[attr]));
      dd.setAttribute("dir", "auto");
    });
    box.appendChild(dl);
    return box;
  }

  function layer(o, pane) {
    return L.geoJSON(null, {
      pane: pane,
      style: function (f) {
        var c = colorOf(o, f.properties);
        return { color: c, weight: o.weight, fillColor: c, fillOpacity: o.fillOpacity };
      },
      pointToLayer: function (f, latlng) {
        var c = colorOf(o, f.properties);
        return L.circleMarker(latlng, { pane: pane, radius: o.radius, color: c, weight: o.weight,
                                        fillColor: c, fillOpacity: Math.max(o.fillOpacity, 0.6) });
      },
      onEachFeature: function (f, l) {
        var props = f.properties || {};
        if (o.popup && o.popup.length) {
          l.bindPopup(function () { return popupNode(o, props); });
        }
        if (o.label && shown(props[o.label])) {
          l.bindTooltip(function () {
            var tip = node("div", "ahya-tip", props[o.label]);
            tip.setAttribute("dir", "auto");
            return tip;
          }, { sticky: true });
        }
      }
    });
  }

  function swatch(o, color) {
    var s = node("span", "legend-swatch ahya-overlay-swatch " + (o.shape || "area"));
    s.style.backgroundColor = o.shape === "line" ? "transparent" : color;
    s.style.borderColor = color;
    return s;
  }

  /* One legend entry: the swatch and title; with colours by values, one line per value. */
  function legendItem(o) {
    var li = node("li", "ahya-overlay-legend-item");
    li.setAttribute("data-overlay", o.name);
    li.appendChild(swatch(o, o.color));
    li.appendChild(node("span", "", o.title));
    var values = Object.keys(o.colors || {});
    if (o.by && values.length) {
      var ul = li.appendChild(node("ul"));
      values.forEach(function (value) {
        var sub = ul.appendChild(node("li"));
        sub.appendChild(swatch(o, o.colors[value]));
        sub.appendChild(node("span", "", value));
      });
    }
    return li;
  }

  window.AhyaOverlay = { layer: layer, legendItem: legendItem, popupNode: popupNode,
                         colorOf: colorOf, escapeHtml: escapeHtml, node: node };
})();
