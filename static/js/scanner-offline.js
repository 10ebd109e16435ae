/* The scanner's offline half: the roster and public key kept in IndexedDB, local Ed25519
 * verification (WebCrypto), local answers, and the queue of scans waiting for upload.
 * Exposes window.ScannerOffline; no dependencies. */
(function () {
  "use strict";

  var B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

  function base32Decode(text) {
    text = String(text || "").trim().toUpperCase().replace(/=+$/, "");
    var bits = 0, value = 0, out = [];
    for (var i = 0; i < text.length; i++) {
      var idx = B32.indexOf(text[i]);
      if (idx < 0) return null;
      value = (value << 5) | idx; bits += 5;
      if (bits >= 8) { out.push((value >>> (bits - 8)) & 255); bits -= 8; }
    }
    return new Uint8Array(out);
  }

  function base64Decode(text) {
    var bin = atob(text), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  /* format (1) | key id (1) | event id (4) | registration id (4) | badge version (2) | signature (64) */
  function parseCode(code) {
    var raw = base32Decode(code);
    if (!raw || raw.length !== 76 || raw[0] !== 1) return null;
    var view = new DataView(raw.buffer);
    return {
      keyId: raw[1], eventId: view.getUint32(2), registrationId: view.getUint32(6),
      badgeVersion: view.getUint16(10), signed: raw.slice(0, 12), signature: raw.slice(12)
    };
  }

  /* --- IndexedDB: "meta" holds the roster; "queue" the scans to upload, by nonce --- */
  function openDb(slug) {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open("eventsvc-checkin-" + slug, 1);
      req.onupgradeneeded = function () {
        req.result.createObjectStore("meta");
        req.result.createObjectStore("queue", { keyPath: "nonce" });
      };
      req.onsuccess = function () {
        /* a sign-out deletes the database: let it, instead of blocking it while this page is open */
        req.result.onversionchange = function () { req.result.close(); };
        resolve(req.result);
      };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(db, store, mode, fn) {
    return new Promise(function (resolve, reject) {
      var t = db.transaction(store, mode), s = t.objectStore(store), result;
      var req = fn(s);
      if (req) req.onsuccess = function () { result = req.result; };
      t.oncomplete = function () { resolve(result); };
      t.onerror = function () { reject(t.error); };
    });
  }

  function Store(slug) { this.slug = slug; this.db = null; this.roster = null; this.keys = {}; this.byId = {}; this.entered = {}; }

  Store.prototype.open = function () {
    var self = this;
    return openDb(this.slug).then(function (db) {
      self.db = db;
      return tx(db, "meta", "readonly", function (s) { return s.get("entered"); });
    }).then(function (entered) {
      self.entered = entered || {};
      return tx(self.db, "meta", "readonly", function (s) { return s.get("roster"); });
    }).then(function (roster) { return roster ? self.useRoster(roster) : null; });
  };

  Store.prototype.useRoster = function (roster) {
    var self = this;
    this.roster = roster;
    this.byId = {};
    roster.registrations.forEach(function (r) { self.byId[r.id] = r; });
    this.sessions = {};
    roster.sessions.forEach(function (s) { self.sessions[s.gate] = s; });
    var imports = Object.keys(roster.public_keys).map(function (keyId) {
      if (!(crypto.subtle && crypto.subtle.importKey)) return null;
      return crypto.subtle.importKey("raw", base64Decode(roster.public_keys[keyId]), { name: "Ed25519" }, false, ["verify"])
        .then(function (key) { self.keys[keyId] = key; }, function () { self.keys[keyId] = null; });
    });
    return Promise.all(imports).then(function () { return self.replayQueue(); });
  };

  /* A fresh roster forgets what this device scanned offline: put the queued entries back; and the
     roster kept for a reload predates the entries this device saw answered online since: those too. */
  Store.prototype.replayQueue = function () {
    var self = this;
    Object.keys(this.entered).forEach(function (key) {
      var parts = key.split("|"), r = self.byId[parts[0]];
      if (r && !r.checked_in[parts[1]]) r.checked_in[parts[1]] = self.entered[key];
    });
    return this.queued().then(function (items) {
      items.forEach(function (item) { if (item.local_result === "ok" && !item.undone) self.markEntered(item.registration_id, item.gate, item.device_time); });
    });
  };

  Store.prototype.saveRoster = function (roster) {
    var self = this;
    return tx(this.db, "meta", "readwrite", function (s) { return s.put(roster, "roster"); })
      .then(function () { return self.useRoster(roster); });
  };

  Store.prototype.markEntered = function (registrationId, gate, at) {
    var r = this.byId[registrationId];
    if (r && !r.checked_in[gate]) r.checked_in[gate] = at;
  };

  /* An entry the server accepted: kept on the device too, so that a reload without network
     does not admit (and print for) the same guest again. */
  Store.prototype.rememberEntered = function (registrationId, gate, at) {
    this.markEntered(registrationId, gate, at);
    this.entered[registrationId + "|" + gate] = at;
    var entered = this.entered;
    return this.db ? tx(this.db, "meta", "readwrite", function (s) { return s.put(entered, "entered"); }).catch(function () {}) : Promise.resolve();
  };
  Store.prototype.forgetEntered = function (registrationId, gate) {
    var r = this.byId[registrationId];
    if (r) delete r.checked_in[gate];
    delete this.entered[registrationId + "|" + gate];
    var entered = this.entered;
    return this.db ? tx(this.db, "meta", "readwrite", function (s) { return s.put(entered, "entered"); }).catch(function () {}) : Promise.resolve();
  };

  Store.prototype.enqueue = function (item) { return tx(this.db, "queue", "readwrite", function (s) { return s.put(item); }); };
  Store.prototype.dequeue = function (nonces) {
    return tx(this.db, "queue", "readwrite", function (s) { nonces.forEach(function (n) { s.delete(n); }); });
  };
  Store.prototype.markUndone = function (nonce) {
    return tx(this.db, "queue", "readwrite", function (s) {
      var req = s.get(nonce);
      req.onsuccess = function () { if (req.result) { req.result.undone = true; s.put(req.result); } };
    });
  };
  Store.prototype.queued = function () { return tx(this.db, "queue", "readonly", function (s) { return s.getAll(); }); };

  /* The body of POST .../scans/batch for queued items (the scanner's sync and the sign-out's upload). */
  function batchBody(items, device) {
    return { scans: items.map(function (i) {
      var s = { gate: i.gate, nonce: i.nonce, direction: i.direction, device_time: i.device_time, device: i.device || device };
      if (i.code) s.code = i.code; else s.registration_id = i.registration_id;
      if (i.undone) s.undone = true;  // taken back on this device: recorded, not counted
      return s;
    }) };
  }

  /* The same rules as the server (checkin/service.py), from the roster and this device's scans. */
  Store.prototype.answer = function (scan) {
    var self = this, roster = this.roster;
    if (!roster) return Promise.resolve({ result: "invalid", reason: "no_roster" });
    var registrationId = scan.registration_id, version = null, check = Promise.resolve(null);
    if (scan.code) {
      var parsed = parseCode(scan.code);
      if (!parsed) return Promise.resolve({ result: "invalid", reason: "malformed" });
      if (parsed.eventId !== roster.event_id) return Promise.resolve({ result: "wrong_event", reason: "wrong_event" });
      var key = this.keys[String(parsed.keyId)];
      if (key === undefined) return Promise.resolve({ result: "invalid", reason: "unknown_key" });
      registrationId = parsed.registrationId; version = parsed.badgeVersion;
      check = key === null ? Promise.resolve(null)  /* this browser has no Ed25519: cannot check */
        : crypto.subtle.verify({ name: "Ed25519" }, key, parsed.signature, parsed.signed);
    }
    return check.then(function (valid) {
      if (valid === false) return { result: "invalid", reason: "bad_signature" };
      var r = self.byId[registrationId];
      if (!r) return { result: "invalid", reason: "unknown_registration" };
      var base = { registration_id: r.id, person: r, unverified: valid === null && !!scan.code };
      function make(result, reason) { base.result = result; base.reason = reason; return base; }
      if (version !== null && version !== r.badge_version) return make("revoked", "replaced");
      if (r.status === "cancelled" || r.status === "rejected") return make("cancelled", r.status);
      if (r.status !== "confirmed") return make("not_admitted", "not_confirmed");
      var session = self.sessions[scan.gate];
      if (session) {
        var sid = session.id, takesPart = r.takes_part_in.indexOf(sid) >= 0;
        if (session.requires_registration && r.seats.indexOf(sid) < 0 && !takesPart) return make("not_admitted", "no_seat");
        if (session.is_closed && r.invited_sessions.indexOf(sid) < 0 && !takesPart) return make("not_admitted", "not_invited");
      }
      if (scan.direction === "out") return make("ok", "exit");
      if (r.checked_in[scan.gate]) { base.first_at = r.checked_in[scan.gate]; return make("already_checked_in", null); }
      return make("ok", null);
    });
  };

  /* Offline search: by name, local name or organization as typed; by e-mail only when the
     whole address is typed, compared as a SHA-256 (the roster carries no addresses). */
  Store.prototype.search = function (query) {
    query = String(query || "").trim().toLowerCase();
    if (!query || !this.roster) return [];
    var rows = this.roster.registrations;
    function pick(found) {
      return found.slice(0, 20).map(function (r) {
        return { registration_id: r.id, status: r.status, name: r.name, name_local: r.name_local,
                 organization: r.organization, category: r.category, checked_in: r.checked_in };
      });
    }
    if (query.indexOf("@") > 0 && window.crypto && window.crypto.subtle) {
      return window.crypto.subtle.digest("SHA-256", new TextEncoder().encode(query)).then(function (buffer) {
        var hex = Array.prototype.map.call(new Uint8Array(buffer), function (b) {
          return ("0" + b.toString(16)).slice(-2);
        }).join("");
        return pick(rows.filter(function (r) { return r.email_sha256 === hex; }));
      });
    }
    return pick(rows.filter(function (r) {
      return [r.name, r.name_local, r.organization, r.organization_local, r.organization_short]
        .some(function (v) { return v && String(v).toLowerCase().indexOf(query) >= 0; });
    }));
  };

  /* --- the device as a whole: what a sign-out must upload first, then wipe --- */
  var PREFIX = "eventsvc-checkin-", CACHE_PREFIX = "eventsvc-scanner-";

  /* The events whose roster this browser keeps (IndexedDB databases eventsvc-checkin-<slug>). */
  function storedSlugs() {
    if (!window.indexedDB) return Promise.resolve([]);
    if (!indexedDB.databases) return Promise.resolve([]);
    return indexedDB.databases().then(function (list) {
      return list.map(function (d) { return d.name || ""; }).filter(function (n) { return n.indexOf(PREFIX) === 0; })
        .map(function (n) { return n.slice(PREFIX.length); });
    });
  }

  /* [{slug, items}] for every event with scans waiting for upload on this device. */
  function pending() {
    return storedSlugs().then(function (slugs) {
      return Promise.all(slugs.map(function (slug) {
        return openDb(slug).then(function (db) {
          return tx(db, "queue", "readonly", function (s) { return s.getAll(); })
            .then(function (items) { db.close(); return { slug: slug, items: items || [] }; });
        });
      }));
    }).then(function (all) { return all.filter(function (p) { return p.items.length; }); });
  }

  /* Upload one event's queue (POST {api}{slug}/scans/batch), then take the uploaded scans off it. */
  function upload(api, csrf, entry) {
    return fetch(api + encodeURIComponent(entry.slug) + "/scans/batch", {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(batchBody(entry.items, localStorage.getItem("eventsvc-device")))
    }).then(function (response) {
      if (!response.ok) throw new Error(response.statusText);
      return openDb(entry.slug).then(function (db) {
        return tx(db, "queue", "readwrite", function (s) {
          entry.items.forEach(function (i) { s.delete(i.nonce); });
        }).then(function () { db.close(); });
      });
    });
  }

  function deleteDb(name) {
    return new Promise(function (resolve) {
      var req = indexedDB.deleteDatabase(name);
      req.onsuccess = req.onerror = req.onblocked = function () { resolve(); };
    });
  }

  /* Remove every roster, key and queue of the scanners from this device: IndexedDB, localStorage
     (gate, device, kiosk marks), the service worker's cached pages, and the service worker. */
  function wipe() {
    var jobs = [storedSlugs().then(function (slugs) {
      return Promise.all(slugs.map(function (slug) { return deleteDb(PREFIX + slug); }));
    })];
    try {
      Object.keys(localStorage).forEach(function (key) { if (key.indexOf("eventsvc-") === 0) localStorage.removeItem(key); });
    } catch (e) { /* no storage, nothing kept */ }
    if (window.caches) {
      jobs.push(caches.keys().then(function (names) {
        return Promise.all(names.filter(function (n) { return n.indexOf(CACHE_PREFIX) === 0; })
          .map(function (n) { return caches.delete(n); }));
      }));
    }
    if (navigator.serviceWorker && navigator.serviceWorker.getRegistrations) {
      jobs.push(navigator.serviceWorker.getRegistrations().then(function (registrations) {
        return Promise.all(registrations.map(function (r) { return r.unregister(); }));
      }));
    }
    return Promise.all(jobs).catch(function () {});
  }

  window.ScannerOffline = { Store: Store, parseCode: parseCode, base32Decode: base32Decode, batchBody: batchBody,
                            pending: pending, upload: upload, wipe: wipe };
})();
