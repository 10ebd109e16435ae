/* The guest portal: seminar seat counts refresh every 15 seconds. The seats URL and the translated
 * texts come in <script type="application/json" id="portal-seats">. */
(function () {
  "use strict";
  var data = document.getElementById("portal-seats");
  if (!data) return;
  var config = JSON.parse(data.textContent);
  function refresh() {
    fetch(config.url, {headers: {"Accept": "application/json"}}).then(function (r) { return r.ok ? r.json() : null; }).then(function (seats) {
      if (!seats) return;
      document.querySelectorAll(".seat-count").forEach(function (el) {
        var c = seats[el.dataset.session]; if (!c) return;
        el.textContent = c.left === null ? config.open
          : c.left > 0 ? config.left.replace("-111", c.left).replace("-222", c.capacity) : config.full;
      });
    }).catch(function () {});
  }
  setInterval(refresh, 15000);
})();
