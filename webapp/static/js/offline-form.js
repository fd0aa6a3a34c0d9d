/* Offline capture for the report forms (/reports/new, /suggest).
 *
 * - Registers the service worker (/sw.js), which keeps the form and its assets.
 * - Gives each submission an idempotency key (a random UUID in the hidden client_key field),
 *   made when the form is first submitted: a retry of the same form is stored once.
 * - Without a connection, the form is kept in IndexedDB (offline-queue.js) and listed as
 *   "waiting to send (n)"; on page load and when the connection returns ("online"), each
 *   waiting form is sent with a fresh CSRF token read from its form page. A form the server
 *   refuses (4xx) is shown with the server's message and not sent again.
 * window.AHYA_OFFLINE exposes the state for tests.
 */
(function () {
  "use strict";
  var form = document.querySelector("form.report-form[data-offline]");
  var box = document.getElementById("offline-status");
  if (!form || !box || !window.indexedDB || !window.AhyaQueue) { return; }
  var text = box.dataset;
  var keyInput = form.querySelector("input[name=client_key]");
  var path = window.location.pathname;
  var state = {waiting: 0, refused: 0, sent: 0, sending: false, ready: false};
  window.AHYA_OFFLINE = state;

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function line(className, message) {
    var p = document.createElement("p");
    p.className = className;
    p.textContent = message;  // the server's message is text, never HTML
    return p;
  }

  function render(records, note) {
    var waiting = records.filter(function (r) { return r.state === "waiting"; });
    var refused = records.filter(function (r) { return r.state === "refused"; });
    state.waiting = waiting.length;
    state.refused = refused.length;
    box.textContent = "";
    box.dataset.count = String(waiting.length);
    if (note) { box.appendChild(line("offline-note", note)); }
    if (waiting.length) {
      box.appendChild(line("offline-waiting", text.waiting.replace("{n}", String(waiting.length))));
    }
    refused.forEach(function (record) {
      var p = line("offline-refused", text.refused.replace("{message}", record.message || ""));
      var drop = document.createElement("button");
      drop.type = "button";
      drop.className = "linklike";
      drop.textContent = text.remove;
      drop.addEventListener("click", function () { AhyaQueue.remove(record.id).then(function () { refresh(); }); });
      p.appendChild(document.createTextNode(" "));
      p.appendChild(drop);
      box.appendChild(p);
    });
    box.hidden = !box.firstChild;
  }

  function refresh(note) {
    return AhyaQueue.all().then(function (records) { render(records, note); return records; });
  }

  /* The form page's current CSRF token, or null if the page now asks to log in. */
  function freshToken(target) {
    return fetch(target, {credentials: "same-origin", cache: "no-store", headers: {Accept: "text/html"}})
      .then(function (response) {
        if (!response.ok || new URL(response.url).pathname !== target) { return null; }
        return response.text().then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var input = doc.querySelector("form.report-form input[name=csrf_token]");
          return input ? input.value : null;
        });
      });
  }

  function sendOne(record) {
    return freshToken(record.path).then(function (token) {
      if (token === null) { return "login"; }
      var data = new FormData();
      record.fields.forEach(function (pair) {
        if (typeof pair[1] === "string") { data.append(pair[0], pair[1]); } else { data.append(pair[0], pair[1], pair[1].name || "photo"); }
      });
      data.set("csrf_token", token);
      return fetch(record.path, {method: "POST", body: data, credentials: "same-origin",
                                 headers: {Accept: "application/json"}})
        .then(function (response) {
          if (response.ok) { return AhyaQueue.remove(record.id).then(function () { state.sent += 1; return "sent"; }); }
          if (response.status >= 400 && response.status < 500) {
            return response.json().catch(function () { return {}; }).then(function (body) {
              record.state = "refused";
              record.message = body.error || text.unknown;
              return AhyaQueue.put(record).then(function () { return "refused"; });
            });
          }
          return "later";  // 5xx: the server had a problem, try again later
        });
    });
  }

  function sendAll() {
    if (state.sending || !navigator.onLine) { return Promise.resolve(); }
    state.sending = true;
    var note = "";
    return AhyaQueue.all().then(function (records) {
      var waiting = records.filter(function (r) { return r.state === "waiting"; });
      var chain = Promise.resolve("start");
      waiting.forEach(function (record) {
        chain = chain.then(function (previous) {
          if (previous === "later" || previous === "login") { return previous; }
          return sendOne(record);
        });
      });
      return chain;
    }).then(function (last) {
      if (last === "login") { note = text.login; } else if (state.sent) { note = text.sent; }
    }, function () { /* the connection dropped again: they stay waiting */ })
      .then(function () { state.sending = false; return refresh(note); });
  }

  form.addEventListener("submit", function (event) {
    if (keyInput && !keyInput.value) { keyInput.value = uuid(); }
    if (navigator.onLine) { return; }  // an ordinary post (the worker keeps it if it fails)
    event.preventDefault();
    AhyaQueue.addFormData(path, new FormData(form)).then(function () {
      form.reset();
      if (keyInput) { keyInput.value = ""; }  // the next report gets its own key
      window.scrollTo(0, 0);
      return refresh(text.kept);
    });
  });

  window.addEventListener("online", sendAll);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(form.dataset.worker, {scope: "/"}).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      // The page and the pick map's areas (fetched before the worker was in control).
      var pick = document.getElementById("pick-map");
      registration.active.postMessage({keep: path, data: pick && pick.dataset.areas ? [pick.dataset.areas] : []});
    }).catch(function () { /* no worker (e.g. plain http on a LAN address): the queue still works */ });
  }
  refresh().then(sendAll).then(function () { state.ready = true; });
}());
