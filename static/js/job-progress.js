/* A background job's page (a badge print job, a certificate batch, a large import): polls the job's status and shows its progress
 * until its file is ready. The element with data-job-status-url carries the translated texts in
 * data-text-* attributes ({done}, {total} and {count} are filled in). */
(function () {
  "use strict";
  var box = document.querySelector("[data-job-status-url]");
  if (!box) return;
  var bar = box.querySelector("progress");
  var message = box.querySelector("[role=status]");
  var download = box.querySelector("[data-job-download]");
  // A count's wording: data-text-<name>-one for exactly one (English), else data-text-<name>.
  function counted(name, n) {
    var one = box.dataset[name + "One"];
    return (Number(n) === 1 && one) ? one : box.dataset[name];
  }
  function show(job) {
    var running = job.status === "queued" || job.status === "running";
    if (!running && box.hasAttribute("data-reload-when-finished")) {
      window.location.reload();  // the finished page has more to show (errors, a confirmation)
      return false;
    }
    if (job.done || job.status === "done") { bar.value = job.percent; }
    box.dataset.status = job.status;
    if (job.status === "done") {
      message.textContent = counted("textDone", job.total).replace("{count}", job.total);
      if (download) { download.hidden = false; }
    } else if (job.status === "failed" || job.status === "interrupted") {
      message.textContent = job.status === "failed" ? box.dataset.textFailed : box.dataset.textInterrupted;
    } else if (job.total) {
      message.textContent = counted("textProgress", job.total).replace("{done}", job.done).replace("{total}", job.total);
    } else {
      message.textContent = box.dataset.textPreparing;
    }
    return job.status === "queued" || job.status === "running";
  }
  function poll() {
    fetch(box.dataset.jobStatusUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (job) { if (show(job)) { setTimeout(poll, 700); } })
      .catch(function () { setTimeout(poll, 2000); });
  }
  if (box.dataset.status === "queued" || box.dataset.status === "running") { poll(); }
})();
