/* The offline queue: report forms kept in IndexedDB until they can be sent.
 * Shared by the form page (offline-form.js) and the service worker (importScripts).
 *
 * One record per form: {id, path, fields: [[name, value], ...], created, state, message}
 * where a value is a string or a File (the photo, stored as a Blob); state is "waiting"
 * or "refused" (the server answered 4xx: shown with its message, never sent again).
 * The CSRF token is not kept: a fresh one is fetched just before sending.
 */
(function (root) {
  "use strict";
  var DB = "ahya-offline", STORE = "forms";

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () {
        req.result.createObjectStore(STORE, {keyPath: "id", autoIncrement: true});
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function fieldsOf(formData) {
    var fields = [];
    formData.forEach(function (value, name) {
      if (name === "csrf_token") { return; }
      // An empty file input arrives as a nameless, empty File: nothing to keep.
      if (typeof value !== "string" && !value.size) { return; }
      fields.push([name, value]);
    });
    return fields;
  }

  root.AhyaQueue = {
    add: function (path, fields) {
      return run("readwrite", function (store) {
        return store.add({path: path, fields: fields, created: Date.now(), state: "waiting", message: ""});
      });
    },
    addFormData: function (path, formData) {
      var fields = fieldsOf(formData).filter(function (pair) { return pair[0] !== "client_key" || pair[1]; });
      // A form posted before the page's script gave it a key gets one now: every retry sends it.
      if (!fields.some(function (pair) { return pair[0] === "client_key"; }) && root.crypto && root.crypto.randomUUID) {
        fields.push(["client_key", root.crypto.randomUUID()]);
      }
      return root.AhyaQueue.add(path, fields);
    },
    fieldsOf: fieldsOf,
    all: function () { return run("readonly", function (store) { return store.getAll(); }); },
    put: function (record) { return run("readwrite", function (store) { return store.put(record); }); },
    remove: function (id) { return run("readwrite", function (store) { return store.delete(id); }); }
  };
}(self));
