/* The self check-in kiosk's own half (the camera, answers and offline store are scanner.js's):
 * check-in by e-mail and code, the staff PIN to leave, and no way back out through the browser. */
(function () {
  "use strict";

  var root = document.getElementById("scanner");
  var S = window.EventsvcScanner;
  if (!root || root.dataset.kiosk !== "1" || !S) return;
  var T = JSON.parse(document.getElementById("scanner-i18n").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var gate = $("gate").value;
  /* A reload offline opens the cached kiosk page; a reload online asks the server, which keeps the lock. */
  try {  /* when the server last showed this kiosk (scanner.js: a staff scanner cached before it is stale) */
    var key = "eventsvc-kiosk:" + root.dataset.slug;
    localStorage.setItem(key, String(Math.max(Number(localStorage.getItem(key) || 0), Number(root.dataset.rendered))));
  } catch (e) { /* private mode */ }

  function showError(id, text) { var p = $(id); p.textContent = text || ""; p.hidden = !text; }

  /* --- e-mail + check-in code: checked by the server only (the device has no secret to check it) --- */
  $("kiosk-code-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var email = $("kiosk-email").value.trim(), code = $("kiosk-code").value.trim();
    showError("kiosk-code-error", "");
    if (!email || !code) return;
    if (!S.online()) { showError("kiosk-code-error", T.offline_code); return; }
    var button = event.target.querySelector("button[type=submit]");
    button.disabled = true;
    S.request("POST", "/kiosk/checkin", { email: email, code: code, gate: gate, nonce: S.nonce(), device: S.device })
      .then(function (answer) {
        $("kiosk-email").value = ""; $("kiosk-code").value = "";
        if (answer.result === "ok" && answer.person) S.store.rememberEntered(answer.person.registration_id, gate, answer.scanned_at);
        S.show(answer, false);
      }, function (error) {
        if (!error.status) { showError("kiosk-code-error", T.offline_code); return; }
        $("kiosk-code").value = "";
        showError("kiosk-code-error", T.refused + ": " + error.message);
      })
      .then(function () { button.disabled = false; });
  });

  /* --- leaving: the staff PIN, checked by the server (which holds the lock) --- */
  var dialog = $("kiosk-exit");
  $("kiosk-exit-open").addEventListener("click", function () {
    showError("kiosk-pin-error", "");
    $("kiosk-pin-offline").hidden = S.online();
    $("kiosk-pin").value = "";
    dialog.showModal();
    $("kiosk-pin").focus();
  });
  $("kiosk-exit-cancel").addEventListener("click", function () { dialog.close(); });
  $("kiosk-exit-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var pin = $("kiosk-pin").value;
    $("kiosk-pin").value = "";
    S.request("POST", "/kiosk/exit", { pin: pin }).then(function () {
      try { localStorage.removeItem("eventsvc-kiosk:" + root.dataset.slug); } catch (e) { /* nothing kept */ }
      leaving = true;
      location.replace(root.dataset.scannerUrl);
    }, function (error) {
      $("kiosk-pin-offline").hidden = !!error.status;
      showError("kiosk-pin-error", error.status ? error.message : "");
    });
  });

  /* --- no way out through the browser: the back button stays here, no context menu --- */
  var leaving = false;
  history.pushState({ kiosk: true }, "", location.href);
  window.addEventListener("popstate", function () { if (!leaving) history.pushState({ kiosk: true }, "", location.href); });
  document.addEventListener("contextmenu", function (event) { event.preventDefault(); });
})();
