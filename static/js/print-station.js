/* A print station: "this device prints at station X" (remembered per event in localStorage).
 * After an accepted entry (the "eventsvc:scan-accepted" event, sent by the scanner, the kiosk and
 * the walk-in desk), the server decides first print or reprint (badges.stations.print_at_station);
 * the label it points to is printed with window.print() of a hidden iframe. With Chromium started
 * with --kiosk-printing that goes straight to the default printer (docs/doors.md). A reprint is
 * refused until the staff confirm it in the dialog. */
(function () {
  "use strict";

  var box = document.getElementById("print-station");
  if (!box) return;
  var T = JSON.parse(document.getElementById("print-i18n").textContent);
  var select = document.getElementById("print-station-select");
  var status = document.getElementById("print-status");
  var dialog = document.getElementById("reprint-dialog");
  var again = document.getElementById("print-again");
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var key = "eventsvc-print-station:" + box.dataset.slug;
  var pending = null, last = null, printed = 0;

  try {
    var kept = localStorage.getItem(key);
    if (kept && Array.prototype.some.call(select.options, function (o) { return o.value === kept; })) select.value = kept;
  } catch (e) { /* private mode: choose again after a reload */ }
  box.dataset.station = select.value;
  select.addEventListener("change", function () {
    try { localStorage.setItem(key, select.value); } catch (e) { /* nothing remembered */ }
    box.dataset.station = select.value;
  });

  function say(text, kind) { status.textContent = text; status.className = "print-status" + (kind ? " print-status-" + kind : ""); }
  function stationName() { return select.options[select.selectedIndex].text; }

  function printLabel(url) {
    var old = document.getElementById("print-frame");
    if (old) old.remove();
    var frame = document.createElement("iframe");
    frame.id = "print-frame";
    frame.className = "print-frame";
    frame.setAttribute("aria-hidden", "true");
    frame.tabIndex = -1;
    frame.addEventListener("load", function () {
      try { frame.contentWindow.focus(); frame.contentWindow.print(); } catch (e) { say(T.failed, "error"); return; }
      printed += 1;
      box.dataset.printed = String(printed);
    });
    frame.src = url;
    document.body.appendChild(frame);
  }

  function post(registrationId, options) {
    var body = { registration_id: registrationId, confirm: !!options.confirm, reissue: !!options.reissue };
    return fetch(box.dataset.api + "/print-stations/" + encodeURIComponent(select.value) + "/prints", {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) { return { status: response.status, data: data }; });
    });
  }

  /* Print the badge of a registration at this device's station; options.confirm for a staff-confirmed reprint. */
  function print(registrationId, name, options) {
    options = options || {};
    if (!select.value || !registrationId) return Promise.resolve(null);
    last = { id: registrationId, name: name || "" };
    say((options.confirm ? T.reprinting : T.printing).replace("{name}", last.name).replace("{station}", stationName()));
    return post(registrationId, options).then(function (answer) {
      if (answer.status === 201) {
        /* a station printed from the server: its queue already has the label */
        if (answer.data.sent_to_printer) { printed += 1; box.dataset.printed = String(printed); }
        else printLabel(answer.data.label_url);
        say(T.printed.replace("{name}", last.name), "ok");
        box.dataset.lastKind = answer.data.kind;
      } else if (answer.status === 409) {
        pending = { id: registrationId, name: name };
        box.dataset.lastKind = "refused";
        say(T.refused.replace("{reason}", answer.data.message || ""), "warn");
        document.getElementById("reprint-message").textContent = answer.data.message || "";
        if (!options.noDialog && dialog && dialog.showModal) dialog.showModal();
      } else {
        box.dataset.lastKind = "error";
        say(answer.data.message || T.failed, "error");
      }
      if (again) {
        again.hidden = false;
        again.textContent = T.print_again.replace("{name}", last.name);
      }
      return answer;
    }, function () { say(T.failed, "error"); return null; });
  }

  function close() { if (dialog && dialog.open) dialog.close(); }
  /* a kiosk has no reprint dialog and no "print again": a reprint needs the staff at the desk */
  if (dialog) {
    document.getElementById("reprint-cancel").addEventListener("click", function () { pending = null; close(); });
    document.getElementById("reprint-confirm").addEventListener("click", function () {
      var p = pending; pending = null; close();
      if (p) print(p.id, p.name, { confirm: true });
    });
    document.getElementById("reprint-new").addEventListener("click", function () {
      var p = pending; pending = null; close();
      if (p) print(p.id, p.name, { confirm: true, reissue: true });
    });
    again.addEventListener("click", function () { if (last) print(last.id, last.name, {}); });
  }

  /* An accepted entry: its badge prints here (exits, offline answers and refusals print nothing). */
  document.addEventListener("eventsvc:scan-accepted", function (event) {
    var answer = event.detail || {};
    if (answer.result && answer.result !== "ok") return;
    if (answer.reason === "exit" || answer.direction === "out" || answer.offline) return;
    var person = answer.person || {};
    print(person.registration_id || answer.registration_id, person.name || answer.name || "", {});
  });

  /* The walk-in desk's badge page: the new guest's badge prints once, when the page first opens. */
  var walkIn = box.dataset.registrationId;
  if (walkIn && select.value) {
    var once = "eventsvc-walk-in-printed:" + walkIn;
    var done = false;
    try { done = sessionStorage.getItem(once) === "1"; sessionStorage.setItem(once, "1"); } catch (e) { /* print anyway */ }
    if (!done) {
      document.dispatchEvent(new CustomEvent("eventsvc:scan-accepted", { detail: {
        result: "ok", direction: "in", registration_id: Number(walkIn), name: box.dataset.registrationName || "" } }));
    }
  }

  window.EventsvcPrintStation = { print: print };
})();
