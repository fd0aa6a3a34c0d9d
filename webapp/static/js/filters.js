/* The map page's filters: kind, categories, area, observed dates (and the time control's
   shortcuts for them: all, the last 12 months, a range of years), words in the titles, state.
   Their state lives in the URL query string (history.replaceState) together with the map's
   centre and zoom (z, lat, lon) and the extra layers' parameters, so a shared link reproduces
   the view. The server validated the initial values (a bad one is dropped and named on the
   page); the form also works without this script, as a plain GET form.
   Other scripts use window.AHYA_FILTERS and listen for the "ahya:filters" event. */
(function () {
  "use strict";
  var cfg = window.AHYA_MAP;
  var confEl = document.getElementById("ahya-filters");
  var form = document.getElementById("map-filters-form");
  if (!cfg || !cfg.map || !confEl || !form) { return; }
  var map = cfg.map;
  var conf = JSON.parse(confEl.textContent);
  var t = conf.strings;
  var panel = document.getElementById("map-filters");
  var statusEl = document.getElementById("filter-status");
  var badge = document.getElementById("filter-count");
  var url = new URLSearchParams(window.location.search);
  var VIEW = ["z", "lat", "lon"];

  function copy(s) {
    return { kind: s.kind || "", category: (s.category || []).slice(), area: s.area || "",
             since: s.since || "", until: s.until || "", q: s.q || "", status: s.status || "" };
  }

  /* The filters as query-string pairs, in the order of ReportFilters.to_args(). */
  function pairs(s) {
    var out = [];
    if (s.kind) { out.push(["kind", s.kind]); }
    s.category.forEach(function (c) { out.push(["category", c]); });
    ["area", "since", "until", "q", "status"].forEach(function (name) {
      if (s[name]) { out.push([name, s[name]]); }
    });
    return out;
  }

  var state = copy(conf.initial);
  function query() { return new URLSearchParams(pairs(state)).toString(); }

  /* Parameters other scripts own (choropleth, heat): kept as found until their owner sets them,
     so this script's first URL write cannot drop them before those scripts have run. */
  var extra = {};
  conf.params.forEach(function (name) {
    if (VIEW.indexOf(name) < 0 && !(name in conf.initial) && name !== "limit" && url.get(name)) {
      extra[name] = url.get(name);
    }
  });

  /* z/lat/lon from the link win over the default view; a bbox (e.g. from the list page) is
     fitted instead when there is no centre. Both are checked: the URL is user input. */
  function number(name, pattern, min, max) {
    var raw = url.get(name);
    if (raw === null || !pattern.test(raw)) { return null; }
    var v = parseFloat(raw);
    return v >= min && v <= max ? v : null;
  }
  var DECIMAL = /^-?\d{1,3}(\.\d{1,8})?$/;
  var view = { z: number("z", /^\d{1,2}$/, 0, 19), lat: number("lat", DECIMAL, -90, 90),
               lon: number("lon", DECIMAL, -180, 180) };
  if (view.z === null || view.lat === null || view.lon === null) { view = null; }
  function initialView() {
    var b = conf.initial.bbox;
    if (view) {
      map.setView([view.lat, view.lon], view.z, { animate: false });
    } else if (b) {
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { animate: false });
    }
  }
  // On a small screen folium's fitBounds also zooms, with an animation whose end would undo a
  // view set now: set ours after it.
  if (map._animatingZoom) { map.once("zoomend", initialView); } else { initialView(); }
  var bbox = conf.initial.bbox ? conf.initial.bbox.join(",") : "";

  function updateLangSwitch(params) {
    // The switch is rendered with the request's arguments; keep it in step with the view.
    var link = document.getElementById("lang-switch");
    if (!link) { return; }
    var target = new URL(link.getAttribute("href"), window.location.href);
    var next = new URLSearchParams(params);
    next.set("lang", target.searchParams.get("lang") || "");
    link.setAttribute("href", target.pathname + "?" + next.toString() + window.location.hash);
  }

  function write() {
    var params = new URLSearchParams(window.location.search);
    conf.params.forEach(function (name) { params.delete(name); });
    pairs(state).forEach(function (p) { params.append(p[0], p[1]); });
    if (view) {
      VIEW.forEach(function (name) { params.set(name, String(view[name])); });
    } else if (bbox) {
      params.set("bbox", bbox);
    }
    Object.keys(extra).forEach(function (name) { if (extra[name]) { params.set(name, extra[name]); } });
    var qs = params.toString();
    window.history.replaceState(window.history.state, "",
                                window.location.pathname + (qs ? "?" + qs : "") + window.location.hash);
    updateLangSwitch(params);
  }

  function onMove() {
    var c = map.getCenter();
    view = { z: map.getZoom(), lat: +c.lat.toFixed(5), lon: +c.lng.toFixed(5) };
    write();
  }
  // folium's fitBounds pans or zooms with an animation that ends after this script has run; its
  // moveend is the default view, not a reader's move, and must not put z/lat/lon in the URL.
  if ((map._panAnim && map._panAnim._inProgress) || map._animatingZoom) {
    map.once("moveend", function () { map.on("moveend", onMove); });
  } else {
    map.on("moveend", onMove);
  }

  /* --- the form --- */
  function checkedKind() {
    var el = form.querySelector("input[name=kind]:checked");
    return el ? el.value : "";
  }

  /* Categories of the other kind are hidden and unchecked: the API refuses a challenge
     category together with kind=initiative. */
  function syncKind() {
    var kind = checkedKind();
    form.querySelectorAll(".filter-category-list label").forEach(function (label) {
      var off = kind !== "" && label.dataset.kinds.split(" ").indexOf(kind) < 0;
      label.hidden = off;
      if (off) { label.querySelector("input").checked = false; }
    });
  }

  function readForm() {
    var s = copy({ kind: checkedKind() });
    form.querySelectorAll("input[name=category]:checked").forEach(function (el) {
      s.category.push(el.value);
    });
    s.area = form.elements.area.value;
    s.since = form.elements.since.value;
    s.until = form.elements.until.value;
    s.q = form.elements.q.value.replace(/\s+/g, " ").trim().slice(0, 100);
    s.status = form.elements.status ? form.elements.status.value : "";
    return s;
  }

  function writeForm(s) {
    form.querySelectorAll("input[name=kind]").forEach(function (el) { el.checked = el.value === s.kind; });
    form.querySelectorAll("input[name=category]").forEach(function (el) {
      el.checked = s.category.indexOf(el.value) >= 0;
    });
    ["area", "since", "until", "q", "status"].forEach(function (name) {
      if (form.elements[name]) { form.elements[name].value = s[name]; }
    });
    syncKind();
  }

  function showStatus(text, isError) {
    statusEl.textContent = text;
    statusEl.classList.toggle("error", !!isError);
  }

  function active(s) {
    return (s.kind ? 1 : 0) + s.category.length + (s.area ? 1 : 0) + (s.since ? 1 : 0) +
      (s.until ? 1 : 0) + (s.q ? 1 : 0) + (s.status ? 1 : 0);
  }

  /* --- the time control: "all", "last 12 months", a range of years. It only fills the two
     dates (since/until), so the URL, the API requests and a link without JavaScript stay the
     same; and it shows which shortcut the dates amount to. --- */
  var timeBox = document.getElementById("filter-time");
  var timeAll = document.getElementById("time-all");
  var time12 = document.getElementById("time-12m");
  var timeFrom = document.getElementById("time-from");
  var timeTo = document.getElementById("time-to");
  function iso(d) {
    return d.getFullYear() + "-" + ("0" + (d.getMonth() + 1)).slice(-2) + "-" + ("0" + d.getDate()).slice(-2);
  }
  function yearAgo() {
    var d = new Date();
    d.setFullYear(d.getFullYear() - 1);
    d.setDate(d.getDate() + 1);  // the 12 months up to today, today included
    return iso(d);
  }
  function pick(select, value) {
    var found = Array.prototype.some.call(select.options, function (o) { return o.value === value; });
    select.value = found ? value : "";
  }
  function syncTime() {
    if (!timeBox) { return; }
    var since = form.elements.since.value, until = form.elements.until.value;
    timeAll.setAttribute("aria-pressed", String(!since && !until));
    time12.setAttribute("aria-pressed", String(since === yearAgo() && !until));
    pick(timeFrom, /^\d{4}-01-01$/.test(since) ? since.slice(0, 4) : "");
    pick(timeTo, /^\d{4}-12-31$/.test(until) ? until.slice(0, 4) : "");
  }
  function setDates(since, until) {
    form.elements.since.value = since;
    form.elements.until.value = until;
  }
  if (timeBox) {
    timeBox.hidden = false;
    timeAll.addEventListener("click", function () { setDates("", ""); apply(); });
    time12.addEventListener("click", function () { setDates(yearAgo(), ""); apply(); });
    // Runs before the form's own change listener (which applies): the dates are set by then.
    timeFrom.addEventListener("change", function () {
      form.elements.since.value = timeFrom.value ? timeFrom.value + "-01-01" : "";
    });
    timeTo.addEventListener("change", function () {
      form.elements.until.value = timeTo.value ? timeTo.value + "-12-31" : "";
    });
  }

  var last = query();
  function apply() {
    syncKind();
    var next = readForm();
    if (next.since && next.until && next.since > next.until) {  // ISO dates compare as text
      showStatus(t.dates, true);
      return;
    }
    state = next;
    syncTime();
    var n = active(state);
    badge.textContent = String(n);
    badge.hidden = !n;
    write();
    var q = query();
    if (q === last) { return; }
    last = q;
    document.dispatchEvent(new CustomEvent("ahya:filters", { detail: { query: q, state: copy(state) } }));
  }

  var typing = null;
  form.addEventListener("change", function (e) {
    if (e.target.name === "q") { return; }  // the input handler below already covers it
    apply();
  });
  form.elements.q.addEventListener("input", function () {
    clearTimeout(typing);
    typing = setTimeout(apply, 400);
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clearTimeout(typing);
    apply();
  });
  document.getElementById("filter-clear").addEventListener("click", function (e) {
    e.preventDefault();
    writeForm(copy({}));
    apply();
  });

  document.addEventListener("ahya:reports", function (e) {
    if (e.detail.error) { showStatus(e.detail.error, true); return; }
    showStatus(e.detail.count ? t.shown.replace("{count}", e.detail.count) : t.none);
  });

  /* Into the map's control corner on the reading side, so it stacks with the layer control and
     the legend; clicks, drags and wheel turns in the panel must not move the map. */
  var Panel = L.Control.extend({
    options: { position: conf.dir === "rtl" ? "topright" : "topleft" },
    onAdd: function () {
      L.DomEvent.disableClickPropagation(panel);
      L.DomEvent.disableScrollPropagation(panel);
      return panel;
    }
  });
  new Panel().addTo(map);

  syncKind();
  syncTime();
  if (window.innerWidth > 700 && active(state)) { panel.open = true; }
  if (conf.dropped.length) { write(); }  // a shared link must not keep the parameters we ignored

  window.AHYA_FILTERS = {
    query: query,
    state: function () { return copy(state); },
    /* The value a view parameter had in the link that opened the page. */
    initial: function (name) { return url.get(name); },
    /* Record a view parameter (choropleth, heat, ...); a false value removes it. */
    setParam: function (name, value) { extra[name] = value ? String(value) : ""; write(); },
    apply: apply
  };
})();
