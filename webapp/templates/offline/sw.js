/* Ahya's service worker: the report forms work without a connection.
 *
 * - The form pages ({{ pages|join(", ") }}) are fetched from the network first and kept;
 *   without a connection the kept copy is shown (with the CSP header it came with).
 * - Their assets (content-hashed URLs) are served from the cache, fetched once.
 * - The area polygons their pick map draws (/map/<lang>/areas.geojson): network first, kept.
 * - A form posted natively while the connection is down (the page thought it was online)
 *   is kept in IndexedDB (offline-queue.js) and the browser goes back to the form, which
 *   shows it as waiting and sends it when the connection returns.
 * Everything else (the map, the API) goes to the network untouched.
 */
"use strict";
var CACHE = "{{ cache_name }}";
var ASSETS = {{ assets|tojson }};
var PAGES = {{ pages|tojson }};
var PUBLIC_PAGE = {{ public_page|tojson }};
importScripts({{ queue_script|tojson }});

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS.concat([PUBLIC_PAGE]));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("ahya-offline-") === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

// The map data a form's pick map draws (the area polygons): network first, kept for offline.
var MAP_DATA = /^\/map\/[a-z]{2}\/areas\.geojson$/;

// A form page asks to be kept (the organizer form needs the login, so it is not precached),
// with the map data it drew before the worker was in control.
self.addEventListener("message", function (event) {
  var path = event.data && event.data.keep;
  if (PAGES.indexOf(path) < 0) { return; }
  var data = (event.data.data || []).filter(function (u) {
    return MAP_DATA.test(new URL(u, self.location.href).pathname);
  });
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all([path].concat(data).map(function (url) {
      return fetch(url, {credentials: "same-origin"}).then(function (response) {
        if (response.ok && !response.redirected) { return cache.put(url, response); }
      });
    }));
  }).catch(function () {}));
});

function formPage(request) {
  return fetch(request).then(function (response) {
    var path = new URL(request.url).pathname;
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(path, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(CACHE).then(function (cache) {
      return cache.match(new URL(request.url).pathname);
    }).then(function (kept) { return kept || Response.error(); });
  });
}

function queuedPost(request) {
  var copy = request.clone();
  return fetch(request).catch(function () {
    return copy.formData().then(function (data) {
      return self.AhyaQueue.addFormData(new URL(request.url).pathname, data);
    }).then(function () {
      return Response.redirect(request.url, 303);
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (PAGES.indexOf(url.pathname) >= 0 && request.mode === "navigate") {
    event.respondWith(request.method === "POST" ? queuedPost(request) : formPage(request));
    return;
  }
  if (request.method === "GET" && MAP_DATA.test(url.pathname)) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.open(CACHE).then(function (cache) {
        return cache.match(request);
      }).then(function (kept) { return kept || Response.error(); });
    }));
    return;
  }
  if (request.method === "GET" && ASSETS.indexOf(url.pathname + url.search) >= 0) {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) { cache.put(request, response.clone()); }
          return response;
        });
      });
    }));
  }
});
