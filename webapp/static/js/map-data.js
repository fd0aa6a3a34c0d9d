/* The map page's static data, fetched from cached, versioned URLs rather than inlined (the area
   polygons alone would be most of the page's weight): the polygons go into AHYA_MAP.areas, the
   place-search index into AHYA_MAP.placeIndex / placeNames (by slug).
   AHYA_MAP.areasReady and placesReady are promises the other scripts wait on. They never reject:
   a failed load leaves a usable map, without polygons or search, and says so on the map
   (AHYA_MAP.notice; AHYA_MAP.areasFailed / placesFailed are then true). */
(function () {
  "use strict";
  var cfg = window.AHYA_MAP;
  if (!cfg || !cfg.map || !cfg.areas || !window.L) { return; }
  var urls = cfg.dataUrls || {};
  var EAST = { color: "#0b5563", weight: 1.2, fillColor: "#2a9d8f", fillOpacity: 0.18 };
  var OTHER = { color: "#5c677d", weight: 1.2, fillColor: "#adb5bd", fillOpacity: 0.18 };
  var HIGHLIGHT = { weight: 3, fillOpacity: 0.35 };

  var strings = {};
  try { strings = JSON.parse(document.getElementById("ahya-i18n").textContent); } catch (e) { /* none */ }

  /* A message over the map (role="alert": screen readers announce it), one line per problem. */
  var noticeBox = null;
  cfg.notice = function (text, id) {
    if (!text) { return; }
    if (!noticeBox) {
      noticeBox = L.DomUtil.create("div", "ahya-map-notice", cfg.map.getContainer());
      noticeBox.id = "ahya-map-notice";
      noticeBox.setAttribute("role", "alert");
      L.DomEvent.disableClickPropagation(noticeBox);
    }
    if (id && document.getElementById(id)) { return; }
    var line = L.DomUtil.create("p", "", noticeBox);
    if (id) { line.id = id; }
    line.textContent = text;
  };

  /* The parsed JSON, or null when the request or the parsing failed (never rejects). */
  function getJson(url) {
    if (!url) { return Promise.resolve(null); }
    return fetch(url, { credentials: "same-origin" })
      .then(function (resp) {
        if (!resp.ok) { throw new Error("HTTP " + resp.status); }
        return resp.json();
      })
      .catch(function () { return null; });
  }

  cfg.placeIndex = [];
  cfg.placeNames = {};
  cfg.placesFailed = false;
  cfg.placesReady = getJson(urls.places).then(function (list) {
    if (!Array.isArray(list)) {
      cfg.placesFailed = true;
      cfg.notice(strings.placesError, "ahya-places-error");
      list = [];
    }
    list.forEach(function (p) { cfg.placeIndex.push(p); cfg.placeNames[p.slug] = p; });
    return cfg.placeIndex;
  });

  var areas = cfg.areas;
  areas.options.style = function (feature) {
    return feature.properties.sector === "east" ? EAST : OTHER;
  };
  // One tooltip for the whole layer (as folium binds it), reused from area to area.
  // _tip is HTML escaped by the server (geo.drawing.maps.name_tip).
  areas.bindTooltip(function (layer) { return layer.feature.properties._tip || ""; }, { sticky: true });
  areas.on({
    mouseover: function (e) { e.layer.setStyle(HIGHLIGHT); },
    mouseout: function (e) { areas.resetStyle(e.layer); }
  });
  cfg.areasLoaded = false;
  cfg.areasFailed = false;
  /* Drawing ~100 polygons is the page's longest task on a slow phone: draw them 25 at a time,
     each batch its own task, so taps and scrolls are answered in between. */
  function addInBatches(features, size) {
    return new Promise(function (resolve) {
      var i = 0;
      (function step() {
        areas.addData({ type: "FeatureCollection", features: features.slice(i, i + size) });
        i += size;
        if (i < features.length) { setTimeout(step, 0); } else { resolve(); }
      })();
    });
  }

  cfg.areasReady = getJson(urls.areas).then(function (data) {
    if (data && Array.isArray(data.features)) { return addInBatches(data.features, 25); }
    cfg.areasFailed = true;
    cfg.notice(strings.areasError, "ahya-areas-error");
  }).then(function () {
    cfg.areasLoaded = true;
    return areas;
  });
})();
