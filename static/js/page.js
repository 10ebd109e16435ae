/* Small behaviours any page may use, declared in the markup instead of inline handlers (the
 * Content-Security-Policy allows no inline script or style):
 *   <form data-question="Sure?">        asks before submitting
 *   <input data-autosubmit>             submits its form when changed
 *   <button data-print> / <a data-print> prints the page
 *   <span data-color="#0b6e4f" data-text-color="#ffffff">
 *                                       sets the CSS variables --color and --text-color (category
 *                                       colours; the server picks the text colour, core/colors.py) */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.question && !window.confirm(form.dataset.question)) {
      event.preventDefault();
    }
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.dataset && "autosubmit" in input.dataset && input.form) { input.form.requestSubmit(); }
  });

  document.addEventListener("click", function (event) {
    var trigger = event.target.closest && event.target.closest("[data-print]");
    if (trigger) { event.preventDefault(); window.print(); }
  });

  function paint(root) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-color]"), function (el) {
      if (/^#[0-9a-fA-F]{3,8}$/.test(el.dataset.color)) { el.style.setProperty("--color", el.dataset.color); }
      if (/^#[0-9a-fA-F]{3,8}$/.test(el.dataset.textColor || "")) { el.style.setProperty("--text-color", el.dataset.textColor); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { paint(document); });
  } else {
    paint(document);
  }
})();
