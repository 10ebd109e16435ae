/* The event's tab bar on a phone (templates/manage_nav.html): it scrolls sideways, so the current
 * tab is scrolled into view, and the classes more-before / more-after fade the edge that has
 * more tabs behind it (static/css/responsive.css). */
(function () {
  "use strict";

  function mark(bar) {
    var left = bar.scrollLeft, hidden = bar.scrollWidth - bar.clientWidth;
    bar.classList.toggle("more-before", left > 2);
    bar.classList.toggle("more-after", left < hidden - 2);
  }

  function setUp(bar) {
    var current = bar.querySelector('[aria-current="page"]');
    if (current && bar.scrollWidth > bar.clientWidth) {
      bar.scrollLeft = current.offsetLeft - (bar.clientWidth - current.offsetWidth) / 2;
    }
    mark(bar);
    bar.addEventListener("scroll", function () { mark(bar); }, { passive: true });
    window.addEventListener("resize", function () { mark(bar); });
  }

  Array.prototype.forEach.call(document.querySelectorAll(".manage-tabs"), setUp);
})();
