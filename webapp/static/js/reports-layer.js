/* Challenges and initiatives on the public map.
   Reports are fetched from the API, never inlined in the page, so the page stays the same size
   whatever their number: grid clusters from /api/v1/clusters when zoomed out, the points of
   the view from /api/v1/reports?bbox= when zoomed in; fetched again on every move and when the
   filters change (filters.js). One clustered layer per kind, listed in folium's layer control,
   and a heatmap of the challenges; a legend; popups built with textContent (report text is
   user input: never HTML). */
(function () {
  "use strict";
  var cfg = window.AHYA_MAP;
  var confEl = document.getElementById("ahya-reports");
  if (!cfg || !cfg.map || !confEl || !window.L || !window.AHYA_REPORT_MARKERS) { return; }
  var map = cfg.map;
  var conf = JSON.parse(confEl.textContent);
  var t = conf.strings;
  var KINDS = ["challenge", "initiative"];
  var clustered = typeof L.markerClusterGroup === "function";

  /* Markers, popups and HTML helpers: report-markers.js. */
  var markers = window.AHYA_REPORT_MARKERS(conf, cfg.placeNames || {});
  var escapeHtml = markers.escapeHtml, node = markers.node, markerHtml = markers.markerHtml;
  var popupNode = markers.popupNode, makeMarker = markers.makeMarker;

  /* A cluster shows what it holds, with the markers' own code: a circle for its challenges and
     a square for its initiatives, each with its number and in the colour of that kind's most
     frequent category (grey when the count is suppressed and the category not published).
     parts: [{kind, count (number or "<k"), category id or null}]. */
  var NEUTRAL = "#4a4e69";
  var categoryById = {};
  KINDS.forEach(function (kind) {
    categoryById[kind] = {};
    (conf.categories[kind] || []).forEach(function (c) { categoryById[kind][c.id] = c; });
  });
  function clusterIcon(parts) {
    var html = "", label = [];
    parts.forEach(function (p) {
      var cat = p.category && categoryById[p.kind] && categoryById[p.kind][p.category];
      html += '<span class="ahya-cluster-part ' + p.kind + '" style="background:' +
        escapeHtml(cat ? cat.colour : NEUTRAL) + '">' + escapeHtml(p.count) + "</span>";
      label.push(t[p.kind] + ": " + p.count + (cat ? " (" + cat.label + ")" : ""));
    });
    // A div around the parts: each <span> holds one count (the tests add the spans up).
    var icon = L.divIcon({ html: '<div class="ahya-cluster-parts" title="' + escapeHtml(label.join(" · ")) +
                                 '">' + html + "</div>",
                           iconSize: L.point(34 * parts.length + 4, 34), className: "ahya-cluster" });
    return icon;
  }
  function topCategory(markers) {
    var seen = {}, best = null;
    markers.forEach(function (m) {
      var c = m.feature && m.feature.properties.category;
      if (!c) { return; }
      seen[c] = (seen[c] || 0) + 1;
      if (best === null || seen[c] > seen[best]) { best = c; }
    });
    return best;
  }

  function makeLayer(kind) {
    if (!clustered) { return L.featureGroup(); }
    return L.markerClusterGroup({
      chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50,
      iconCreateFunction: function (cluster) {
        return clusterIcon([{ kind: kind, count: cluster.getChildCount(),
                              category: topCategory(cluster.getAllChildMarkers()) }]);
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
        if (kind === "challenge" && conf.topicUrl) {
          // A challenge category's topic page: the whole city, its trend, who works on it.
          var link = node("a", "legend-topic", c.label);
          link.href = conf.topicUrl + encodeURIComponent(c.id);
          link.title = t.topic.replace("%(topic)s", c.label);
          if (window.self !== window.top) { link.target = "_top"; }  // an embedded map: leave the frame
          li.appendChild(link);
        } else {
          li.appendChild(node("span", "", c.label));
        }
        ul.appendChild(li);
      });
      legendBody.appendChild(ul);
    });
    /* Every other symbol on the map: clusters, places without a boundary, area shading, the
       municipal boundary. */
    // ARIA roles rather than h3/ul/li: the categories' headings and items stay those elements.
    var head = legendBody.appendChild(node("p", "legend-subhead", t.symbols));
    head.setAttribute("role", "heading");
    head.setAttribute("aria-level", "3");
    var sym = node("div", "symbols");
    sym.setAttribute("role", "list");
    function row(html, text) {
      var li = node("div", "symbol");
      li.setAttribute("role", "listitem");
      li.innerHTML = html;  // fixed markup, no user or taxonomy text
      li.appendChild(node("span", "", text));
      sym.appendChild(li);
    }
    row('<span class="ahya-cluster-part challenge" style="background:' + NEUTRAL + '">12</span>' +
        '<span class="ahya-cluster-part initiative" style="background:' + NEUTRAL + '">5</span>', t.clusterHelp);
    row('<span class="legend-swatch place"></span>', t.placeHelp);
    row('<span class="legend-swatch east"></span>', t.eastHelp);
    row('<span class="legend-swatch other"></span>', t.otherHelp);
    row('<span class="legend-swatch boundary"></span>', t.boundaryHelp);
    row('<span class="ahya-report-marker challenge demo" style="background:' + NEUTRAL + '">•</span>', t.demoHelp);
    legendBody.appendChild(sym);
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
      legendBody.setAttribute("data-fit", "");
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

  /* Heatmap of the challenges (folium's Leaflet.heat), off by default, built from the same
     fetched points as the markers so it follows the filters. */
  var filters = window.AHYA_FILTERS;
  var fconfEl = document.getElementById("ahya-filters");
  var fconf = fconfEl ? JSON.parse(fconfEl.textContent) : null;
  var heat = null;
  if (typeof L.heatLayer === "function" && fconf) {
    heat = L.heatLayer([], { radius: 20, blur: 15, maxZoom: 16 });
    control.addOverlay(heat, '<span class="ahya-layer-name">' + escapeHtml(fconf.strings.heat) + "</span>");
    if (filters && filters.initial("heat") === "1") { heat.addTo(map); }
    map.on("overlayadd overlayremove", function (e) {
      if (e.layer === heat && filters) { filters.setParam("heat", e.type === "overlayadd" ? "1" : ""); }
    });
  }

  /* Zoomed out, the server sends grid clusters (/api/v1/clusters: counts per cell, whatever
     the number of reports); zoomed in past clusterMaxZoom, the points of the view
     (/api/v1/reports?bbox=). Either way only what the view needs crosses the network. */
  var clusterMaxZoom = conf.clusterMaxZoom || 15;  // the server's CLUSTER_MAX_ZOOM wins (max_zoom)
  var clusterLayer = L.layerGroup().addTo(map);  // not in the layer control: follows the kind layers
  var state = { layers: layers, loaded: false, count: 0, markers: {}, query: null, heat: heat,
                mode: null, clusters: null };
  window.AHYA_MAP.reports = state;
  var clustersUrl = conf.api.replace(/\/reports$/, "/clusters");

  /* /#report=<id> (the permalink's "See on the map"): centre on the report and open its popup.
     A free-standing popup, not the marker's: re-clustering after the zoom would close that one.
     When clusters are shown the report's marker is not loaded: ask the API for the report. */
  function showPopup(latlng, props) {
    map.setView(latlng, Math.max(map.getZoom(), 17), { animate: false });
    L.popup({ maxWidth: 300, offset: [0, -6] }).setLatLng(latlng).setContent(popupNode(props)).openOn(map);
  }
  function openFromHash() {
    var m = /^#report=(\d+)$/.exec(window.location.hash);
    if (!m) { return; }
    var marker = state.markers[m[1]];
    if (marker) {
      var group = layers[marker.feature.properties.kind];
      if (!map.hasLayer(group)) { group.addTo(map); }
      showPopup(marker.getLatLng(), marker.feature.properties);
      return;
    }
    fetch(conf.api + "/" + m[1], { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
      .then(function (resp) { return resp.ok ? resp.json() : null; })
      .then(function (f) {
        if (!f) { return; }
        var group = layers[f.properties.kind];
        if (group && !map.hasLayer(group)) { group.addTo(map); }
        showPopup([f.geometry.coordinates[1], f.geometry.coordinates[0]], f.properties);
      })
      .catch(function () { /* a missing report leaves the map as it is */ });
  }
  window.addEventListener("hashchange", openFromHash);

  /* One load at a time: a marker cluster group cannot stop a chunked addLayers(), so a new
     request waits for the running one to finish drawing (its fetch is aborted, though). */
  var chunking = false, queued = null, controller = null, first = true, filterQuery = "", lastUrl = null;

  function announce(detail) {
    document.dispatchEvent(new CustomEvent("ahya:reports", { detail: detail }));
  }

  function finish(query, data) {
    chunking = false;
    state.loaded = true;
    state.query = query;
    announce({ count: state.count, truncated: !!data.truncated, query: query, mode: state.mode });
    if (first) {
      ready();
      openFromHash();
    }
    if (queued !== null) { var next = queued; queued = null; load(next); }
  }

  /* The benchmark (scripts/bench.py) and tests wait for AHYA_READY: Leaflet is up, the first
     reports request and the area polygons (fetched in parallel by map-data.js) have answered,
     drawn or failed (a failure shows its message first): set once, whatever happened. */
  function ready() {
    if (!first) { return; }
    first = false;
    (cfg.areasReady || Promise.resolve()).then(function () {
      window.AHYA_READY_AT = performance.now();
      window.AHYA_READY = true;
      document.dispatchEvent(new CustomEvent("ahya:ready"));
    });
  }

  function clearAll() {
    KINDS.forEach(function (kind) { layers[kind].clearLayers(); });
    clusterLayer.clearLayers();
    state.markers = {};
  }

  /* Server clusters, counting only the kinds whose layer is shown; a click zooms in. */
  function drawClusters() {
    var data = state.clusters;
    clusterLayer.clearLayers();
    if (!data) { return; }
    var shown = KINDS.filter(function (k) { return map.hasLayer(layers[k]); });
    var total = 0, bound = false, heatPoints = [];
    // MIN_PUBLIC_COUNT: a count may be "<k" (suppressed) or ">m" (a lower bound). Labelled as
    // published, and counted as the least it can be (1, m + 1), so the total is a lower bound.
    function least(v) { return typeof v !== "string" ? v || 0 : v[0] === "<" ? 1 : Number(v.slice(1)) + 1; }
    data.features.forEach(function (f) {
      var p = f.properties, c = f.geometry.coordinates;
      var v = shown.length === KINDS.length ? p.count : shown.length ? p[shown[0]] : 0;
      var n = least(v);
      if (p.challenge) { heatPoints.push([c[1], c[0], least(p.challenge)]); }
      if (!n) { return; }
      total += n;
      bound = bound || typeof v === "string";
      var parts = shown.filter(function (k) { return p[k]; }).map(function (k) {
        return { kind: k, count: p[k], category: (p.top || {})[k] || null };
      });
      var marker = L.marker([c[1], c[0]], { icon: clusterIcon(parts) });
      marker.on("click", function () {
        map.setView(marker.getLatLng(), Math.min(map.getZoom() + 2, clusterMaxZoom + 1));
      });
      clusterLayer.addLayer(marker);
    });
    state.count = bound ? total + "+" : total;
    if (heat) { heat.setLatLngs(heatPoints); }
  }
  map.on("overlayadd overlayremove", function (e) {
    if (state.mode === "clusters" && KINDS.some(function (k) { return e.layer === layers[k]; })) {
      drawClusters();
      announce({ count: state.count, query: state.query, mode: state.mode });
    }
  });

  function drawPoints(query, data) {
    var byKind = { challenge: [], initiative: [] };
    data.features.forEach(function (f) {
      if (!byKind[f.properties.kind]) { return; }
      var marker = makeMarker(f);
      state.markers[f.properties.id] = marker;
      byKind[f.properties.kind].push(marker);
    });
    state.count = data.features.length;
    legendStatus.textContent = data.truncated ? t.truncated : "";
    if (heat) {
      heat.setLatLngs(byKind.challenge.map(function (m) { return m.getLatLng(); }));
    }
    // Chunked loading keeps the page responsive; a group on the map reports its last chunk
    // (done === total) just before drawing it, hence the setTimeout. Count the groups first:
    // a small group finishes inside addLayers() itself.
    var chunked = KINDS.filter(function (k) {
      return clustered && byKind[k].length && map.hasLayer(layers[k]);
    });
    var pending = chunked.length;
    chunking = pending > 0;
    KINDS.forEach(function (kind) {
      var group = layers[kind], markers = byKind[kind];
      if (chunked.indexOf(kind) >= 0) {
        group.options.chunkProgress = function (done, total) {
          if (done < total) { return; }
          group.options.chunkProgress = null;
          pending -= 1;
          if (!pending) { setTimeout(function () { finish(query, data); }, 0); }
        };
        group.addLayers(markers);
      } else if (clustered) {
        group.addLayers(markers);
      } else {
        markers.forEach(function (m) { group.addLayer(m); });
      }
    });
    if (!chunked.length) { finish(query, data); }
  }

  /* The view's bounds as the API's bbox, a little wider (a short pan needs no new points)
     and kept inside the valid ranges. */
  function viewBbox(pad) {
    var b = map.getBounds().pad(pad);
    var v = [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -90),
             Math.min(b.getEast(), 180), Math.min(b.getNorth(), 90)];
    return v.map(function (x) { return x.toFixed(6); }).join(",");
  }

  /* Fetch what the view needs under the filters ``query`` and redraw. */
  function load(query) {
    filterQuery = query;
    if (chunking) { queued = query; return; }
    var zoom = Math.round(map.getZoom());
    var mode = zoom <= clusterMaxZoom ? "clusters" : "points";
    var url = mode === "clusters"
      ? clustersUrl + "?zoom=" + zoom + "&bbox=" + viewBbox(0.1)
      : conf.api + (conf.api.indexOf("?") < 0 ? "?" : "&") + "limit=" + conf.limit + "&bbox=" + viewBbox(0.2);
    url += query ? "&" + query : "";
    // folium's initial fitBounds ends with a moveend for the same view: don't fetch it twice.
    if (url === lastUrl && !state.error) { return; }
    lastUrl = url;
    state.error = null;
    if (controller) { controller.abort(); }
    controller = typeof AbortController === "function" ? new AbortController() : null;
    state.loaded = false;
    fetch(url, { headers: { Accept: "application/geo+json" }, credentials: "same-origin",
                 signal: controller ? controller.signal : undefined })
      .then(function (resp) {
        if (!resp.ok) { throw new Error("HTTP " + resp.status); }
        return resp.json();
      })
      .then(function (data) {
        clearAll();
        state.mode = mode;
        if (mode === "clusters") {
          state.clusters = data;
          legendStatus.textContent = "";
          drawClusters();
          finish(query, data);
          if (data.max_zoom !== undefined && data.max_zoom !== clusterMaxZoom) {
            clusterMaxZoom = data.max_zoom;
            if (zoom > clusterMaxZoom) { load(query); }
          }
        } else {
          state.clusters = null;
          drawPoints(query, data);
        }
      })
      .catch(function (err) {
        if (err && err.name === "AbortError") { return; }  // replaced by a newer request
        lastUrl = null;  // the same view may be asked again
        legendStatus.textContent = t.loadError;
        state.error = String(err);
        announce({ error: t.loadError, query: query });
        ready();
      });
  }
  state.reload = load;

  map.on("moveend", function () { load(filterQuery); });
  document.addEventListener("ahya:filters", function (e) { load(e.detail.query); });
  load(filters ? filters.query() : "");
})();
