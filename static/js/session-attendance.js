// The per-session attendance report: choosing another session opens its report.
(function () {
  "use strict";
  var pick = document.getElementById("session-pick");
  if (!pick) { return; }
  pick.addEventListener("change", function () {
    window.location.href = pick.dataset.url.replace(/\/0\/attendance$/, "/" + pick.value + "/attendance");
  });
})();
