/* Challenges and initiatives on the public map.
   Reports are fetched from /api/v1/reports, never inlined in the page, so the page stays the
   same size whatever their number. One clustered layer per kind, listed in folium's layer
   control; a legend; popups built with textContent (report text is user input: never HTML). */
(function () {
  "use strict";
  var cfg = window.AHYA_MAP;
  var confEl = document.getElementById("ahya-reports");
  if (!cfg || !cfg.map || !confEl || !window.L) { return; }
  var map = cfg.map;
  var conf = JSON.parse(confEl.textContent);
  var t = conf.strings;
  var KINDS = ["challenge", "initiative"];
  var clustered = typeof L.markerClusterGroup === "function";

  var categories = {};
  KINDS.forEach(function (kind) {
    categories[kind] = {};
    (conf.categories[kind] || []).forEach(function (c) { categories[kind][c.id] = c; });
  });
  /* Area names come from the search index already in the page (one entry per area slug). */
  var areaNames = {};
  var placesEl = document.getElementById("ahya-places");
  if (placesEl) {
    JSON.parse(placesEl.textContent).forEach(function (p) { areaNames[p.slug] = p; });
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
  function markerHtml(kind, cat, demo, id) {
    var icon = String(cat.icon || "•");
    var cls = "ahya-report-marker " + kind + (demo ? " demo" : "") + (icon.length > 1 ? " small-text" : "");
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
    box.appendChild(kicker);
    var title = node("h3", "", props.title);
    title.setAttribute("dir", "auto");
    box.appendChild(title);
    var place = areaNames[props.area];
    var meta = [place ? (conf.lang === "ar" ? place.name_ar : place.name_en) : "",
                formatDate(props.observed_on)].filter(Boolean);
    if (meta.length) { box.appendChild(node("p", "meta", meta.join(" · "))); }
    if (props.organization) {
      var org = node("p", "meta", t.organization + ": " + props.organization);
      org.setAttribute("dir", "auto");
      box.appendChild(org);
    }
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
      title: p.title + " · " + cat.label,  // Leaflet sets it as the title attribute (text, not HTML)
      alt: cat.label,
      icon: L.divIcon({ className: "ahya-report-icon", html: markerHtml(p.kind, cat, p.is_demo, p.id),
                        iconSize: [26, 26], iconAnchor: [13, 13], popupAnchor: [0, -12] })
    });
    marker.feature = feature;
    marker.bindPopup(function () { return popupNode(p); }, { maxWidth: 300 });
    return marker;
  }

  function makeLayer(kind) {
    if (!clustered) { return L.featureGroup(); }
    return L.markerClusterGroup({
      chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50,
      iconCreateFunction: function (cluster) {
        var n = cluster.getChildCount();
        var size = n < 10 ? "small" : (n < 100 ? "medium" : "large");
        return L.divIcon({ html: "<div><span>" + n + "</span></div>", iconSize: L.point(40, 40),
                           className: "marker-cluster marker-cluster-" + size + " ahya-cluster " + kind });
      }
    });
  }

  var layers = {};
  var control = cfg.control || L.control.layers(null, {}, { collapsed: true }).addTo(map);
  KINDS.forEach(function (kind) {
    layers[kind] = makeLayer(kind).addTo(map);
    control.addOverlay(layers[kind], '<span class="ahya-layer-name">' + escapeHtml(t[kind]) + "</span>");
  });

  /* Legend: the categories of the kinds whose layer is shown. */
  var legendBody, legendStatus;
  function drawLegend() {
    legendBody.textContent = "";
    KINDS.forEach(function (kind) {
      if (!map.hasLayer(layers[kind])) { return; }
      legendBody.appendChild(node("h3", "", t[kind]));
      var ul = node("ul");
      (conf.categories[kind] || []).forEach(function (c) {
        var li = node("li");
        li.innerHTML = markerHtml(kind, c, false);  // taxonomy values only, escaped
        li.appendChild(node("span", "", c.label));
        ul.appendChild(li);
      });
      legendBody.appendChild(ul);
    });
  }
  var Legend = L.Control.extend({
    options: { position: "topright" },
    onAdd: function () {
      var box = L.DomUtil.create("details", "ahya-legend");
      box.setAttribute("dir", conf.dir);
      box.id = "ahya-legend";
      box.open = window.innerWidth > 700;
      box.appendChild(node("summary", "", t.legend));
      legendBody = box.appendChild(node("div"));
      legendStatus = box.appendChild(node("p", "ahya-legend-status"));
      legendStatus.setAttribute("role", "status");
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    }
  });
  new Legend().addTo(map);
  drawLegend();
  map.on("overlayadd overlayremove", drawLegend);

  var state = { layers: layers, loaded: false, count: 0, markers: {} };
  window.AHYA_MAP.reports = state;

  /* /#report=<id> (the permalink's "See on the map"): centre on the report and open its popup.
     A free-standing popup, not the marker's: re-clustering after the zoom would close that one. */
  function openFromHash() {
    var m = /^#report=(\d+)$/.exec(window.location.hash);
    var marker = m && state.markers[m[1]];
    if (!marker) { return; }
    var group = layers[marker.feature.properties.kind];
    if (!map.hasLayer(group)) { group.addTo(map); }
    map.setView(marker.getLatLng(), Math.max(map.getZoom(), 17), { animate: false });
    L.popup({ maxWidth: 300, offset: [0, -6] }).setLatLng(marker.getLatLng())
      .setContent(popupNode(marker.feature.properties)).openOn(map);
  }
  window.addEventListener("hashchange", openFromHash);

  function finish() {
    state.loaded = true;
    openFromHash();
    document.dispatchEvent(new CustomEvent("ahya:reports", { detail: { count: state.count } }));
  }

  var url = conf.api + (conf.api.indexOf("?") < 0 ? "?" : "&") + "limit=" + conf.limit;
  fetch(url, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
    .then(function (resp) {
      if (!resp.ok) { throw new Error("HTTP " + resp.status); }
      return resp.json();
    })
    .then(function (data) {
      var byKind = { challenge: [], initiative: [] };
      data.features.forEach(function (f) {
        if (!byKind[f.properties.kind]) { return; }
        var marker = makeMarker(f);
        state.markers[f.properties.id] = marker;
        byKind[f.properties.kind].push(marker);
      });
      state.count = data.features.length;
      if (data.truncated) { legendStatus.textContent = t.truncated; }
      // Chunked loading keeps the page responsive; a group on the map reports its last chunk
      // (done === total) just before drawing it, hence the setTimeout. Count the groups first:
      // a small group finishes inside addLayers() itself.
      var chunked = KINDS.filter(function (k) {
        return clustered && byKind[k].length && map.hasLayer(layers[k]);
      });
      var pending = chunked.length;
      KINDS.forEach(function (kind) {
        var group = layers[kind], markers = byKind[kind];
        if (chunked.indexOf(kind) >= 0) {
          group.options.chunkProgress = function (done, total) {
            if (done < total) { return; }
            group.options.chunkProgress = null;
            pending -= 1;
            if (!pending) { setTimeout(finish, 0); }
          };
          group.addLayers(markers);
        } else if (clustered) {
          group.addLayers(markers);
        } else {
          markers.forEach(function (m) { group.addLayer(m); });
        }
      });
      if (!chunked.length) { finish(); }
    })
    .catch(function (err) {
      legendStatus.textContent = t.loadError;
      state.error = String(err);
    });
})();
