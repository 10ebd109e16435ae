/* The badge PDF job page: polls the job's status and shows its progress until the PDF is ready.
 * Texts come translated in data-text-* attributes of #badge-job. */
(function () {
  "use strict";
  var box = document.getElementById("badge-job");
  if (!box) return;
  var bar = document.getElementById("job-progress");
  var message = document.getElementById("job-message");
  var download = document.getElementById("job-download");
  var texts = {
    progress: box.dataset.textProgress,
    preparing: box.dataset.textPreparing,
    done: box.dataset.textDone,
    failed: box.dataset.textFailed,
    interrupted: box.dataset.textInterrupted
  };
  function show(job) {
    bar.value = job.percent;
    box.dataset.status = job.status;
    if (job.status === "done") {
      message.textContent = texts.done.replace("{count}", job.total);
      download.hidden = false;
    } else if (job.status === "failed" || job.status === "interrupted") {
      message.textContent = texts[job.status];
    } else if (job.total) {
      message.textContent = texts.progress.replace("{done}", job.done).replace("{total}", job.total);
    } else {
      message.textContent = texts.preparing;
    }
    return job.status === "queued" || job.status === "running";
  }
  function poll() {
    fetch(box.dataset.statusUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (job) { if (show(job)) { setTimeout(poll, 700); } })
      .catch(function () { setTimeout(poll, 2000); });
  }
  if (box.dataset.status === "queued" || box.dataset.status === "running") { poll(); }
})();
