/* Areas coloured by their number of published reports (challenges or initiatives, all
   categories or one) under the map's filters, and the popup of an area polygon.
   The classes and their breaks come from the server (/api/v1/areas): every client draws the
   same classes, and this page only paints them. The polygons are the base area layer's, already
   in the page, so the request asks for the counts only (geometry=none). */
(function () {
  "use strict";
  var cfg = window.AHYA_MAP;
  var confEl = document.getElementById("ahya-filters");
  if (!cfg || !cfg.map || !cfg.areas || !confEl || !window.L) { return; }
  var map = cfg.map;
  var conf = JSON.parse(confEl.textContent);
  var t = conf.strings;
  var filters = window.AHYA_FILTERS;
  var reportsEl = document.getElementById("ahya-reports");
  var categories = reportsEl ? JSON.parse(reportsEl.textContent).categories : {};
  // Sequential, colour-blind safe (ColorBrewer OrRd / Greens): darker means more reports.
  var PALETTES = { challenge: ["#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000"],
                   initiative: ["#c7e9c0", "#a1d99b", "#74c476", "#31a354", "#006d2c"] };
  var ZERO = "#f1f3f5";
  var KINDS = ["challenge", "initiative"];
  var MAIN = conf.lang === "ar" ? "name_ar" : "name_en";
  var OTHERS = conf.lang === "ar" ? ["name_en", "name_he"] : ["name_ar", "name_he"];

  var names = cfg.placeNames || {};  // filled by map-data.js

  function node(tag, className, text) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    if (text !== undefined && text !== null) { el.textContent = text; }
    return el;
  }

  function categoryLabel(kind, id) {
    var found = (categories[kind] || []).filter(function (c) { return c.id === id; })[0];
    return found ? found.label : "";
  }

  var state = { measure: "challenge", category: "", counts: {}, classes: null, loaded: false,
                query: null, colours: [] };
  var asked = filters ? filters.initial("choropleth") : null;
  if (KINDS.indexOf(asked) >= 0) { state.measure = asked; }
  asked = filters ? filters.initial("choropleth_category") : null;
  if (asked && categoryLabel(state.measure, asked)) { state.category = asked; }

  function colours(n) {
    var p = PALETTES[state.measure], out = [];
    if (n === 1) { return [p[3]]; }
    for (var i = 0; i < n; i++) { out.push(p[Math.round(i * (p.length - 1) / (n - 1))]); }
    return out;
  }

  function style(feature) {
    var entry = state.counts[feature.properties.slug];
    var cls = entry ? entry["class"] : -1;
    if (cls < 0) { return { fillColor: ZERO, fillOpacity: 0.6, color: "#8d959c", weight: 0.8 }; }
    return { fillColor: state.colours[cls], fillOpacity: 0.78, color: "#5c677d", weight: 0.8 };
  }

  /* Names (current language first) and counts of an area, as DOM nodes (never HTML strings). */
  function describe(slug, box, heading) {
    var p = names[slug] || {};
    box.setAttribute("dir", conf.dir);
    box.appendChild(node(heading, "", p[MAIN] || p.name_en || slug));
    var others = node(heading === "b" ? "span" : "p");
    OTHERS.forEach(function (field, i) {
      if (!p[field]) { return; }
      if (i) { others.appendChild(document.createTextNode(" · ")); }
      var bdi = others.appendChild(node("bdi", "", p[field]));
      bdi.setAttribute("lang", field.slice(-2));
    });
    if (heading === "b") { box.appendChild(node("br")); }
    box.appendChild(others);
    var c = state.counts[slug];
    if (c) {
      var text = t.challenges + ": " + c.challenges + " · " + t.initiatives + ": " + c.initiatives;
      if (state.category) {
        text += " · " + categoryLabel(state.measure, state.category) + ": " + c.value;
      }
      if (heading === "b") { box.appendChild(node("br")); }
      box.appendChild(node(heading === "b" ? "span" : "p", "counts", text));
    }
    return box;
  }

  function openPopup(slug, latlng) {
    var box = describe(slug, node("div", "ahya-area-popup"), "h3");
    var link = node("a", "profile", t.profile);
    link.href = conf.areaUrl + encodeURIComponent(slug);
    box.appendChild(node("p")).appendChild(link);
    L.popup({ maxWidth: 280 }).setLatLng(latlng).setContent(box).openOn(map);
  }

  function onClick(e) {
    var target = e.propagatedFrom || e.layer;
    if (target && target.feature) { openPopup(target.feature.properties.slug, e.latlng); }
  }
  cfg.areas.on("click", onClick);
  if (cfg.places) { cfg.places.on("click", onClick); }

  /* The same polygons as the area layer, once map-data.js has loaded them. */
  var areasReady = (cfg.areasReady || Promise.resolve()).then(function () {
    layer.addData({ type: "FeatureCollection",
                    features: cfg.areas.getLayers().map(function (l) { return l.feature; }) });
  });
  var layer = L.geoJSON(null, {
    style: style,
    className: "ahya-choropleth",
    onEachFeature: function (feature, l) {
      l.bindTooltip(function () {
        return describe(feature.properties.slug, node("div", "ahya-tip"), "b");
      }, { sticky: true });
    }
  });
  layer.on("click", onClick);
  state.layer = layer;

  /* --- legend: what to count, and the classes with their colours --- */
  var legend = L.control({ position: conf.dir === "rtl" ? "bottomleft" : "bottomright" });
  var measureSelect, categorySelect, list, statusEl;
  function option(select, value, label) {
    var o = select.appendChild(node("option", "", label));
    o.value = value;
    return o;
  }
  function fillCategories() {
    categorySelect.textContent = "";
    option(categorySelect, "", t.allCategories);
    (categories[state.measure] || []).forEach(function (c) { option(categorySelect, c.id, c.label); });
    categorySelect.value = state.category;
  }
  legend.onAdd = function () {
    var box = node("div", "choropleth-legend");
    box.id = "choropleth-legend";
    box.setAttribute("dir", conf.dir);
    box.setAttribute("lang", conf.lang);
    box.appendChild(node("h2", "", t.choropleth));
    var l1 = box.appendChild(node("label", "", t.count));
    measureSelect = l1.appendChild(node("select"));
    measureSelect.id = "choropleth-measure";
    option(measureSelect, "challenge", t.challenges);
    option(measureSelect, "initiative", t.initiatives);
    measureSelect.value = state.measure;
    var l2 = box.appendChild(node("label", "", t.category));
    categorySelect = l2.appendChild(node("select"));
    categorySelect.id = "choropleth-category";
    fillCategories();
    list = box.appendChild(node("ul"));
    statusEl = box.appendChild(node("p", "status"));
    statusEl.setAttribute("role", "status");
    measureSelect.addEventListener("change", function () {
      state.measure = measureSelect.value;
      state.category = "";
      fillCategories();
      remember();
      load();
    });
    categorySelect.addEventListener("change", function () {
      state.category = categorySelect.value;
      remember();
      load();
    });
    drawLegend();
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
  };

  function drawLegend() {
    if (!list) { return; }
    list.textContent = "";
    var ranges = state.classes ? state.classes.ranges : [];
    function row(colour, text, cls) {
      var li = list.appendChild(node("li"));
      li.dataset["class"] = String(cls);
      li.appendChild(node("span", "swatch")).style.background = colour;
      li.appendChild(node("span", "range", text));
    }
    row(ZERO, "0", -1);
    // The server's labels: "<k" for the suppressed class (MIN_PUBLIC_COUNT), as on the posters.
    var labels = state.classes ? state.classes.labels || [] : [];
    ranges.forEach(function (r, i) {
      row(state.colours[i], labels[i] || (r[0] === r[1] ? String(r[0]) : r[0] + "–" + r[1]), i);
    });
    statusEl.textContent = state.error ? t.areasError : (state.loaded && !ranges.length ? t.none : "");
  }

  function remember() {
    if (!filters) { return; }
    var on = map.hasLayer(layer);
    filters.setParam("choropleth", on ? state.measure : "");
    filters.setParam("choropleth_category", on ? state.category : "");
  }

  var control = cfg.control;
  if (control) {
    // The control takes HTML: the label goes through textContent to be escaped.
    control.addOverlay(layer, '<span class="ahya-layer-name">' + node("b", "", t.choropleth).innerHTML + "</span>");
  }
  map.on("overlayadd overlayremove", function (e) {
    if (e.layer !== layer) { return; }
    if (e.type === "overlayadd") {
      legend.addTo(map);
      // Places without a polygon (1948 village sites, ...) stay clickable above the colours.
      if (cfg.places && map.hasLayer(cfg.places)) { cfg.places.bringToFront(); }
    } else {
      legend.remove();
    }
    remember();
  });

  /* Counts (and classes) under the current filters; the newest request wins. */
  var controller = null;
  function load() {
    var q = filters ? filters.query() : "";
    var params = "geometry=none&measure=" + state.measure +
      (state.category ? "&measure_category=" + encodeURIComponent(state.category) : "") + (q ? "&" + q : "");
    if (controller) { controller.abort(); }
    controller = typeof AbortController === "function" ? new AbortController() : null;
    state.loaded = false;
    fetch(conf.areasApi + "?" + params, { headers: { Accept: "application/geo+json" },
                                          signal: controller ? controller.signal : undefined })
      .then(function (resp) {
        if (!resp.ok) { throw new Error("HTTP " + resp.status); }
        return resp.json();
      })
      .then(function (data) { return areasReady.then(function () { return data; }); })
      .then(function (data) {
        state.counts = {};
        data.features.forEach(function (f) { state.counts[f.id] = f.properties; });
        state.classes = data.classes;
        state.colours = colours(data.classes.ranges.length);
        state.error = null;
        state.loaded = true;
        state.query = params;
        layer.setStyle(style);
        drawLegend();
        document.dispatchEvent(new CustomEvent("ahya:areas", { detail: { query: params } }));
      })
      .catch(function (err) {
        if (err && err.name === "AbortError") { return; }
        state.error = String(err);
        drawLegend();
      });
  }
  state.reload = load;
  window.AHYA_MAP.choropleth = state;

  document.addEventListener("ahya:filters", load);
  if (filters && KINDS.indexOf(filters.initial("choropleth")) >= 0) {
    layer.addTo(map);
  } else if (filters && filters.initial("choropleth")) {
    remember();  // an unknown value from the link: drop it from the URL
  }
  load();
})();
