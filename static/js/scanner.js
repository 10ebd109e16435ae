/* The staff scanner page: camera decoding (vendored zxing-wasm), answers from the API or,
 * without network, from the offline store; queued scans uploaded when the network is back. */
(function () {
  "use strict";

  var root = document.getElementById("scanner");
  if (!root) return;
  /* A self check-in kiosk (templates/checkin/scanner_kiosk.html): one locked gate, entries only,
     no search, no undo; kiosk.js adds the e-mail + code check-in and the PIN to leave. */
  var kiosk = root.dataset.kiosk === "1";
  /* On a kiosk's device the staff scanner must not open from the offline cache in the kiosk's place
     (online, the server refuses it). The kiosk notes when the server last showed it; a scanner page the
     server rendered after that is fresh (the lock has gone), one rendered before is a stale copy. */
  try {
    var kioskSince = Number(localStorage.getItem("eventsvc-kiosk:" + root.dataset.slug) || 0);
    if (!kiosk && kioskSince) {
      if (Number(root.dataset.rendered) <= kioskSince) { location.replace(root.dataset.kioskUrl); return; }
      localStorage.removeItem("eventsvc-kiosk:" + root.dataset.slug);
    }
  } catch (e) { /* no storage: nothing to check */ }
  var T = JSON.parse(document.getElementById("scanner-i18n").textContent);
  var api = root.dataset.api;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var store = new window.ScannerOffline.Store(root.dataset.slug);
  var $ = function (id) { return document.getElementById(id); };
  var gateSelect = $("gate"), video = $("video"), answerBox = $("answer");
  var state = { gate: null, count: 0, lastCode: null, lastSeen: 0, showing: false, hideTimer: null,
                lastAnswer: null, audio: null, syncing: false, ready: false, scanning: false };

  /* The gate and direction this device works at, per event: kept across reloads, online or not. */
  var placeKey = "eventsvc-scanner-place:" + root.dataset.slug;
  function rememberPlace() {
    var direction = document.querySelector('input[name="direction"]:checked');
    try {
      localStorage.setItem(placeKey, JSON.stringify({ gate: gateSelect.value || null, direction: direction ? direction.value : "in" }));
    } catch (e) { /* private mode: nothing is remembered */ }
  }
  function rememberedPlace() {
    try { return JSON.parse(localStorage.getItem(placeKey)) || {}; } catch (e) { return {}; }
  }

  var device = localStorage.getItem("eventsvc-device");
  if (!device) {
    device = "scanner-" + Math.random().toString(36).slice(2, 8);
    localStorage.setItem("eventsvc-device", device);
  }

  function nonce() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function request(method, path, body) {
    var options = { method: method, credentials: "same-origin",
                    headers: { "X-CSRFToken": csrf, "Accept": "application/json" } };
    if (body) { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
    return fetch(api + path, options).then(function (response) {
      state.reachable = true;
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) { var e = new Error(data.message || response.statusText); e.status = response.status; e.data = data; throw e; }
        return data;
      });
    }, function (error) { state.reachable = false; showNet(); throw error; });
  }

  /* --- network state, roster and queue --- */
  /* Offline: the browser says so, or the server could not be reached on the last try. */
  function online() { return navigator.onLine && state.reachable !== false; }

  function showNet() {
    var net = $("net");
    net.textContent = online() ? net.dataset.online : net.dataset.offline;
    net.className = "net " + (online() ? "net-online" : "net-offline");
    return store.queued().then(function (items) { $("queue-length").textContent = items.length; return items; });
  }

  function refreshRoster() {
    if (!navigator.onLine) return Promise.resolve();
    return request("GET", "/checkin/roster").then(function (roster) { return store.saveRoster(roster); })
      .then(function () { state.ready = true; root.dataset.ready = "1"; }, function () {});
  }

  function sync() {
    if (!navigator.onLine || state.syncing) return showNet();
    state.syncing = true;
    return store.queued().then(function (items) {
      if (!items.length) return null;
      return request("POST", "/scans/batch", window.ScannerOffline.batchBody(items, device)).then(function () {
        return store.dequeue(items.map(function (i) { return i.nonce; }));
      }).then(refreshRoster).then(refreshCount);
    }).catch(function () {}).then(function () { state.syncing = false; return showNet(); });
  }

  /* The counter changes locally on every scan; a server count that was asked for before
     the latest local change is stale and must not overwrite it. */
  var countVersion = 0;
  function setCount(n) { countVersion += 1; state.count = n; $("gate-count").textContent = n; }

  /* At a session door: its room's people inside against the capacity ("Main Hall 312 / 400"),
     from the server (checkin/occupancy.py) with every answer; offline it stays as last known. */
  function showOccupancy(o) {
    var box = $("occupancy");
    if (!o) { box.hidden = true; return; }
    $("occupancy-room").textContent = o.label;
    $("occupancy-figure").textContent = o.inside + (o.capacity === null ? "" : " / " + o.capacity);
    box.classList.toggle("occupancy-full", !!o.is_full);
    box.hidden = false;
  }

  function refreshCount() {
    if (!state.gate || !online()) return Promise.resolve();
    var asked = countVersion;
    return request("GET", "/checkin/count?gate=" + encodeURIComponent(state.gate))
      .then(function (data) {
        if (asked !== countVersion) return;
        setCount(data.count);
        showOccupancy(data.occupancy);
      }, function () {});
  }

  window.addEventListener("online", function () { showNet(); sync(); });
  window.addEventListener("offline", showNet);
  setInterval(sync, 5000);
  setInterval(function () { refreshRoster(); refreshCount(); }, 60000);

  /* --- one scan: the server's answer, or the offline one --- */
  function scan(fields) {
    if (!state.gate) return Promise.resolve();
    var direction = (document.querySelector('input[name="direction"]:checked') || {}).value || "in";
    var item = { gate: state.gate, nonce: nonce(), direction: direction, device_time: new Date().toISOString(),
                 device: device, code: fields.code || null, registration_id: fields.registration_id || null };
    var body = { gate: item.gate, nonce: item.nonce, direction: item.direction, device_time: item.device_time, device: device };
    if (item.code) body.code = item.code; else body.registration_id = item.registration_id;
    var attempt = online() ? request("POST", "/scans", body) : Promise.reject(new Error("offline"));
    return attempt.then(function (answer) {
      if (answer.result === "ok" && answer.reason !== "exit" && answer.person) store.rememberEntered(answer.person.registration_id, item.gate, answer.scanned_at);
      if (answer.result === "ok" && answer.reason !== "exit") setCount(state.count + 1);
      if (answer.gate === state.gate) showOccupancy(answer.occupancy);
      show(answer, false);
    }, function (error) {
      if (error.status && error.status < 500) { show({ result: "invalid", message: error.message }, false); return; }
      return answerOffline(item);
    });
  }

  function answerOffline(item) {
    return store.answer(item).then(function (local) {
      item.local_result = local.result;
      item.registration_id = item.registration_id || local.registration_id || null;
      if (local.result === "ok" && local.reason !== "exit") {
        store.markEntered(local.registration_id, item.gate, item.device_time);
        setCount(state.count + 1);
      }
      return store.enqueue(item).then(function () {
        showNet();
        var p = local.person;
        show({ result: local.result, reason: local.reason, offline: true, nonce: item.nonce,
               unverified: local.unverified,
               message: sentence(local) + (local.unverified ? " " + T.unverified : ""), person: p ? { name: p.name, name_local: p.name_local,
               organization: p.organization, organization_local: p.organization_local, category: p.category,
               category_local: p.category_local, category_color: p.category_color,
               category_text_color: p.category_text_color, registration_id: p.id } : null }, true);
      });
    });
  }

  function sentence(local) {
    var p = local.person, name = p ? (T.zh && p.name_local ? p.name_local : p.name) : "";
    var key = local.result === "not_admitted" ? local.reason
      : local.result === "invalid" ? (T.messages[local.reason] ? local.reason : "invalid") : local.result;
    var time = local.first_at ? new Date(local.first_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: store.roster.timezone }) : "";
    return (T.messages[key] || T.messages.invalid).replace("{name}", name).replace("{time}", time)
      .replace("{gate}", gateSelect.options[gateSelect.selectedIndex].text);
  }

  /* --- the answer, full screen, with sound and vibration --- */
  function colour(result) { return result === "ok" ? "green" : result === "already_checked_in" ? "amber" : "red"; }

  function beep(result) {
    try {
      if (!state.audio) return;
      var ctx = state.audio, osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = result === "ok" ? 880 : result === "already_checked_in" ? 520 : 220;
      osc.type = result === "ok" ? "sine" : "square";
      gain.gain.value = 0.2;
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + (result === "ok" ? 0.15 : 0.45));
    } catch (e) { /* no sound is not an error */ }
    if (navigator.vibrate) navigator.vibrate(result === "ok" ? 80 : [200, 100, 200]);
  }

  function show(answer, offline) {
    var p = answer.person || {};
    state.lastAnswer = answer;
    // an offline "ok" whose signature this browser could not check is shown amber: look at the badge
    answerBox.className = "answer answer-" + (answer.unverified && answer.result === "ok" ? "amber" : colour(answer.result));
    answerBox.dataset.result = answer.result;
    $("answer-title").textContent = (answer.result === "ok" && answer.reason === "exit") ? T.titles.ok_exit : (T.titles[answer.result] || answer.result);
    $("answer-name").textContent = p.name || "";
    $("answer-name-local").textContent = p.name_local || "";
    $("answer-org").textContent = [p.organization, p.organization_local].filter(Boolean).join(" · ");
    var cat = $("answer-category");
    cat.textContent = [p.category, p.category_local].filter(Boolean).join(" · ");
    cat.style.background = p.category_color || "transparent";
    cat.style.color = p.category_text_color || "";  /* chosen by the server (core.colors) */
    cat.hidden = !p.category;
    $("answer-message").textContent = (answer.message || "") + (offline ? " " + T.offline_note : "");
    var o = answer.occupancy;  /* at a session door: "Main Hall 312 / 400" */
    $("answer-occupancy").textContent = o ? o.label + " " + o.inside + (o.capacity === null ? "" : " / " + o.capacity) : "";
    $("answer-occupancy").hidden = !o;
    var accepted = answer.result === "ok" && answer.reason !== "exit";
    $("answer-undo").hidden = !accepted || kiosk;
    if (accepted && !kiosk) {
      state.lastOk = { offline: !!answer.offline, nonce: answer.nonce, checkin_id: answer.checkin_id,
                       person: answer.person, gate: state.gate };
      $("undo-last").hidden = false;
      $("undo-last").textContent = T.undo_last.replace("{name}", p.name || "");
    }
    answerBox.hidden = false;
    state.showing = true;
    beep(answer.result);
    /* The contract with the print station (static/js/print-station.js): one event per accepted
       entry, with the scan API's answer (offline answers carry offline: true and no checkin_id). */
    if (accepted && !answer.replayed) {
      document.dispatchEvent(new CustomEvent("eventsvc:scan-accepted", { detail: answer }));
    }
    clearTimeout(state.hideTimer);
    state.hideTimer = setTimeout(hide, answer.result === "ok" ? 2000 : 4000);
  }

  function hide() { answerBox.hidden = true; state.showing = false; clearTimeout(state.hideTimer); }

  $("answer-next").addEventListener("click", hide);
  /* Undo from the answer, or later from the bar: the last accepted entry at this gate. */
  function undoLast() {
    var a = state.lastOk;
    if (!a) return Promise.resolve();
    state.lastOk = null;
    $("undo-last").hidden = true;
    var done = a.offline
      ? store.markUndone(a.nonce).then(function () { return { count: state.count - 1 }; })
      : request("POST", "/scans/" + a.checkin_id + "/undo");
    return done.then(function (data) {
      if (a.person) store.forgetEntered(a.person.registration_id, a.gate);
      setCount(data.count);
      $("answer-message").textContent = T.undone; $("answer-undo").hidden = true;
      showNet();
    });
  }
  $("answer-undo").addEventListener("click", undoLast);
  $("undo-last").addEventListener("click", undoLast);

  /* --- camera and continuous decoding --- */
  var canvas = document.createElement("canvas"), ctx2d = canvas.getContext("2d", { willReadFrequently: true });

  function startCamera() {
    if (state.scanning) return;
    state.scanning = true;
    if (!window.ZXingWASM) { $("camera-status").textContent = T.decoder_failed; return; }
    if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) { $("camera-status").textContent = T.camera_failed; return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment", width: { ideal: 1280 } }, audio: false })
      .then(function (stream) {
        video.srcObject = stream;
        return video.play();
      }).then(function () {
        $("camera-status").textContent = T.camera_on;
        root.dataset.camera = "on";
        decodeLoop();
      }).catch(function () { $("camera-status").textContent = T.camera_failed; });
  }

  function decodeLoop() {
    if (state.showing || !video.videoWidth) { setTimeout(decodeLoop, 150); return; }
    var scale = Math.min(1, 800 / video.videoWidth);
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    ctx2d.drawImage(video, 0, 0, canvas.width, canvas.height);
    var image = ctx2d.getImageData(0, 0, canvas.width, canvas.height);
    window.ZXingWASM.readBarcodes(image, { formats: ["QRCode"], tryHarder: true, maxNumberOfSymbols: 1 })
      .then(function (results) {
        var found = results.filter(function (r) { return r.isValid && r.text; })[0];
        if (found) seen(found.text);
      }, function () {})
      .then(function () { setTimeout(decodeLoop, 120); });
  }

  /* A badge held in front of the camera is one scan, however many frames show it. */
  function seen(code) {
    var now = Date.now(), same = code === state.lastCode && now - state.lastSeen < 5000;
    state.lastCode = code; state.lastSeen = now;
    if (!same) scan({ code: code });
  }

  /* Sound needs a tap first: the gate's choice is one, and so is any tap after a reload that restored it. */
  function wakeAudio() {
    try { state.audio = state.audio || new (window.AudioContext || window.webkitAudioContext)(); state.audio.resume(); } catch (e) { state.audio = null; }
  }
  document.addEventListener("pointerdown", function () { if (state.audio && state.audio.state === "running") return; wakeAudio(); });

  function useGate(gate) {
    if (gate === state.gate) return;  /* the same gate again: no new count, the badge in view is not scanned twice */
    state.gate = gate;
    state.lastCode = null;
    root.dataset.gate = gate;
    var walkIn = $("walk-in-link");  /* the walk-in desk checks its guests in at this gate */
    if (walkIn) walkIn.search = "?gate=" + encodeURIComponent(gate);
    state.count = 0; $("gate-count").textContent = "–";
    showOccupancy(null);
    refreshCount();
    startCamera();
    search();
  }

  gateSelect.addEventListener("change", function () {
    wakeAudio();
    rememberPlace();
    useGate(gateSelect.value);
  });
  Array.prototype.forEach.call(document.querySelectorAll('input[name="direction"]'), function (radio) {
    radio.addEventListener("change", rememberPlace);
  });

  /* Shown at once; the gate is put to work once the offline store is open (useGate below). */
  function restorePlace() {
    var place = rememberedPlace();
    var radio = document.querySelector('input[name="direction"][value="' + (place.direction === "out" ? "out" : "in") + '"]');
    if (radio) radio.checked = true;
    var known = Array.prototype.some.call(gateSelect.options, function (o) { return o.value && o.value === place.gate; });
    if (known && !gateSelect.value) gateSelect.value = place.gate;  /* a session since removed: choose again */
  }

  if ($("code-form")) $("code-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("code-input"), code = input.value.trim();
    input.value = "";
    if (code) scan({ code: code });
  });

  /* --- manual search, online or from the roster (not on a kiosk: it shows no other guest) --- */
  var search = kiosk ? function () {} : setUpSearch();
  function setUpSearch() {
    /* Opened, it sits at the top of the screen above the camera, so that its results stay above a phone's keyboard. */
    var toggle = $("search-toggle"), panel = $("manual");
    var onScreenKeyboard = window.matchMedia("(pointer: coarse), (max-width: 600px)");
    function openSearch(open) {
      panel.hidden = !open;
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      root.classList.toggle("searching", open);
      if (open) {
        /* on a phone or a tablet the keyboard takes the lower half: the search goes to the top */
        if (onScreenKeyboard.matches) toggle.scrollIntoView({ block: "start", behavior: "instant" });
        $("search-input").focus({ preventScroll: true });
      } else {
        $("search-input").value = "";
        render([]);
      }
    }
    toggle.addEventListener("click", function () { openSearch(panel.hidden); });
    $("search-input").addEventListener("keydown", function (event) {
      if (event.key === "Escape") { openSearch(false); toggle.focus(); }
    });

    var searchTimer = null;
    $("search-input").addEventListener("input", function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(search, 250);
    });
    $("search-form").addEventListener("submit", function (event) { event.preventDefault(); search(); });

    function search() {
      var q = $("search-input").value.trim();
      if (!q) { render([]); return; }
      var lookup = online() ? request("GET", "/checkin/search?q=" + encodeURIComponent(q)).catch(function () { return store.search(q); })
                            : Promise.resolve(store.search(q));
      lookup.then(render);
    }

    function render(rows) {
      var list = $("search-results");
      list.textContent = "";
      $("search-empty").hidden = rows.length > 0 || !$("search-input").value.trim();
      rows.forEach(function (row) {
        var li = document.createElement("li"), text = document.createElement("div"), button = document.createElement("button");
        var strong = document.createElement("strong");
        strong.textContent = row.name + (row.name_local ? " · " + row.name_local : "");
        var small = document.createElement("small");
        small.textContent = [row.organization, row.category, row.email, row.status !== "confirmed" ? (T.statuses[row.status] || row.status) : null]
          .filter(Boolean).join(" · ");
        text.appendChild(strong); text.appendChild(document.createElement("br")); text.appendChild(small);
        var already = state.gate && row.checked_in && row.checked_in[state.gate];
        button.type = "button";
        button.textContent = already ? T.checked_in : T.check_in;
        /* one "Check in" per row: the name tells a screen reader's user which */
        button.setAttribute("aria-label", (already ? T.checked_in_name : T.check_in_name).replace("{name}", row.name));
        button.disabled = !state.gate;
        button.className = already ? "secondary outline" : "";
        button.addEventListener("click", function () { scan({ registration_id: row.registration_id }).then(search); });
        li.appendChild(text); li.appendChild(button);
        list.appendChild(li);
      });
    }
    return search;
  }

  /* Load the decoder now, while the network is there: the venue Wi-Fi may drop before the gate is chosen. */
  if (window.ZXingWASM) {
    window.ZXingWASM.setZXingModuleOverrides({
      locateFile: function (path, prefix) { return path.endsWith(".wasm") ? root.dataset.zxingDir + path : prefix + path; }
    });
    window.ZXingWASM.getZXingModule().then(function () { root.dataset.decoder = "ready"; },
      function () { $("camera-status").textContent = T.decoder_failed; });
  }

  /* Keep the page and its files for a reload without network (the service worker serves them). */
  if ("serviceWorker" in navigator && window.caches) {
    navigator.serviceWorker.register(root.dataset.serviceWorker, { scope: root.dataset.serviceWorkerScope })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function () {
        var files = [location.href].concat(Array.prototype.map.call(
          document.querySelectorAll("script[src], link[rel=stylesheet]"), function (e) { return e.src || e.href; }));
        files.push(root.dataset.zxingDir + "zxing_reader.wasm");
        files = files.filter(function (f, i) { return files.indexOf(f) === i; });  /* addAll refuses duplicates */
        return caches.open("eventsvc-scanner-v1").then(function (cache) {
          return online() ? cache.addAll(files) : null;
        });
      })
      .then(function () { root.dataset.cached = "1"; }, function () {});
  }

  /* What kiosk.js builds on: the same answer screen, request and nonce as a badge scan. */
  window.EventsvcScanner = { show: show, request: request, online: online, nonce: nonce, device: device,
                             store: store, showNet: showNet };

  if (!kiosk) restorePlace();
  store.open().then(function () { if (store.roster) { state.ready = true; root.dataset.ready = "1"; } })
    .then(function () { if (gateSelect.value) useGate(gateSelect.value); })
    .then(refreshRoster).then(showNet).then(sync);
})();
