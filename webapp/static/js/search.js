/* Place search over the names in three languages and the alternative names; each result
   also links to the place's profile page. normalize() is normalize.js's (geo/reference/search.py's rules). */
(function () {
  "use strict";
  var cfg = window.AHYA_MAP;
  var input = document.getElementById("place-search");
  var list = document.getElementById("place-results");
  if (!cfg || !input || !window.AHYA_NORMALIZE) { return; }
  var map = cfg.map;
  var places = cfg.placeIndex || [];  // filled by map-data.js when the index has loaded
  var t = JSON.parse(document.getElementById("ahya-i18n").textContent);
  var lang = t.lang;
  var normalize = window.AHYA_NORMALIZE;  // normalize.js, the same rules as geo/reference/search.py

  function find(query, limit) {
    var q = normalize(query);
    if (!q) { return []; }
    var scored = [];
    places.forEach(function (p, i) {
      var best = null;
      p.keys.forEach(function (key, k) {
        var primary = k < p.primary, score = null;
        if (key === q) { score = primary ? 0 : 1; }
        else if (key.indexOf(q) === 0) { score = primary ? 2 : 3; }
        else if (key.indexOf(q) >= 0) { score = primary ? 4 : 5; }
        if (score !== null && (best === null || score < best)) { best = score; }
      });
      if (best !== null) { scored.push([best, i]); }
    });
    scored.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    return scored.slice(0, limit || 8).map(function (s) { return places[s[1]]; });
  }

  function areaLayer(slug) {
    var found = null;
    if (cfg.areas) {
      cfg.areas.eachLayer(function (l) {
        if (l.feature && l.feature.properties.slug === slug) { found = l; }
      });
    }
    return found;
  }

  function go(place) {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.value = lang === "ar" ? place.name_ar : place.name_en;
    if (place.bounds) {
      map.fitBounds([[place.bounds[1], place.bounds[0]], [place.bounds[3], place.bounds[2]]],
                    { maxZoom: 16 });
    } else {
      map.setView([place.lat, place.lon], 16);
    }
    mark(place);
    document.dispatchEvent(new CustomEvent("ahya:place", { detail: place }));
  }

  /* The chosen place stays marked until the next search: its outline drawn thick and its name
     written on it, so it can be told from its neighbours even without map tiles. */
  var marked = null;
  var MARK = { color: "#1d2d35", weight: 4, fill: true, fillColor: "#f4a259", fillOpacity: 0.25,
               interactive: false };
  function mark(place) {
    if (marked) { map.removeLayer(marked); marked = null; }
    var layer = areaLayer(place.slug);
    var name = lang === "ar" ? place.name_ar : place.name_en;
    var label = document.createElement("span");
    label.textContent = name;  // a name from the data: text, never HTML
    var at;
    marked = L.featureGroup();
    if (layer && layer.feature) {
      L.geoJSON(layer.feature, { style: MARK, interactive: false }).addTo(marked);
      at = layer.getBounds().getCenter();
    } else {
      at = L.latLng(place.lat, place.lon);
      L.circleMarker(at, { radius: 12, color: "#1d2d35", weight: 4, fillColor: "#f4a259", fillOpacity: 0.6,
                           interactive: false }).addTo(marked);
    }
    L.tooltip({ permanent: true, direction: "center", className: "ahya-place-label", interactive: false })
      .setLatLng(at).setContent(label).addTo(marked);
    marked.addTo(map);
    cfg.marked = { slug: place.slug, name: name };
  }
  input.addEventListener("input", function () {
    if (!input.value.trim() && marked) { map.removeLayer(marked); marked = null; cfg.marked = null; }
  });

  var results = [];
  function show() {
    results = find(input.value);
    list.innerHTML = "";
    if (!input.value.trim()) { list.hidden = true; return; }
    if (!results.length) {
      var none = document.createElement("li");
      none.textContent = cfg.placesFailed ? t.placesError : t.noResults; none.className = "none";
      list.appendChild(none);
    }
    results.forEach(function (p, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option"); li.id = "place-option-" + i;
      li.dataset.slug = p.slug;
      var main = document.createElement("span");
      main.textContent = lang === "ar" ? p.name_ar : p.name_en;
      var other = document.createElement("span");
      other.className = "other";
      other.textContent = (lang === "ar" ? p.name_en : p.name_ar) + " · " + p.name_he;
      li.appendChild(main); li.appendChild(other);
      if (t.areaUrl) {
        // A real link (Tab reaches it, middle-click opens a tab); arrows and Enter still pick
        // the place on the map, and a click on the link must not also move the map.
        var profile = document.createElement("a");
        profile.className = "profile-link";
        profile.href = t.areaUrl + encodeURIComponent(p.slug);
        profile.textContent = t.profile;
        profile.setAttribute("aria-label", t.profile + ": " + main.textContent);
        profile.addEventListener("click", function (e) { e.stopPropagation(); });
        li.appendChild(profile);
      }
      li.addEventListener("click", function () { go(p); });
      list.appendChild(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  var active = -1;
  function highlight(i) {
    var items = list.querySelectorAll("li[role=option]");
    items.forEach(function (li, k) { li.setAttribute("aria-selected", k === i ? "true" : "false"); });
    active = i;
    if (items[i]) { input.setAttribute("aria-activedescendant", items[i].id); }
  }

  input.addEventListener("input", function () { active = -1; show(); });
  input.addEventListener("keyup", function (e) {
    if (["ArrowDown", "ArrowUp", "Enter", "Escape"].indexOf(e.key) < 0) { active = -1; show(); }
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, results.length - 1)); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
    else if (e.key === "Enter") {
      e.preventDefault();
      if (results.length) { go(results[active >= 0 ? active : 0]); }
    } else if (e.key === "Escape") { list.hidden = true; }
  });
  (cfg.placesReady || Promise.resolve()).then(function () {
    window.AHYA_SEARCH = { find: find, normalize: normalize, go: go };
    if (input.value.trim()) { show(); }  // typed before the index arrived
  });
})();
