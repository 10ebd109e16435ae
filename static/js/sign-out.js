/* Signing out on a shared device: the scanners' offline rosters, keys and queues stay behind
 * otherwise. Scans not uploaded yet block the sign-out (with an "Upload now"); once nothing is
 * waiting, everything is wiped (ScannerOffline.wipe) and the sign-out goes on. */
(function () {
  "use strict";

  var form = document.getElementById("sign-out-form"), dialog = document.getElementById("sign-out-guard");
  var O = window.ScannerOffline;
  if (!form || !dialog || !O) return;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var $ = function (id) { return document.getElementById(id); };
  var waiting = [];

  function say(text) { $("sign-out-guard-status").textContent = text || ""; }

  function count(entries) { return entries.reduce(function (n, e) { return n + e.items.length; }, 0); }

  function wipeAndSignOut() {
    say(dialog.dataset.wiping);
    return O.wipe().then(function () {
      form.dataset.wiped = "1";
      document.documentElement.dataset.offlineWiped = "1";
      form.submit();  /* submit() fires no submit event: this guard is not asked again */
    });
  }

  function check() {
    return O.pending().then(function (entries) {
      waiting = entries;
      var n = count(entries);
      if (!n) { if (dialog.open) dialog.close(); return wipeAndSignOut(); }
      var text = $("sign-out-guard-text");
      text.textContent = (n === 1 ? text.dataset.one : text.dataset.many).replace("{count}", n);
      dialog.dataset.pending = String(n);
      if (!dialog.open) dialog.showModal();
      return null;
    });
  }

  form.addEventListener("submit", function (event) {
    if (form.dataset.wiped === "1") return;
    event.preventDefault();
    say("");
    check().catch(function () { form.dataset.wiped = "1"; form.submit(); });  /* no IndexedDB here: nothing kept */
  });

  $("sign-out-guard-cancel").addEventListener("click", function () { dialog.close(); });
  $("sign-out-guard-upload").addEventListener("click", function () {
    var button = this;
    button.disabled = true;
    say(dialog.dataset.uploading);
    Promise.all(waiting.map(function (entry) { return O.upload(form.dataset.api, csrf, entry); }))
      .then(check, function () { say(dialog.dataset.uploadFailed); })
      .then(function () { button.disabled = false; });
  });
})();
