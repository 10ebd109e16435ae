// Search-as-you-type picker of the event's own people with inline creation, for the organizer's session,
// speech and award forms. Talks to the event's people API (/api/v1/events/<slug>/people) as the
// signed-in browser (CSRF token from the page's meta tag). Each person shows with their organization
// and category, so that namesakes are told apart. No framework.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').content;

  function debounce(fn, ms) {
    var timer;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function label(person) {
    var name = person.name + (person.name_local ? " · " + person.name_local : "");
    var about = [];
    if (person.organization) { about.push(person.organization.short_name || person.organization.name); }
    if (person.category) { about.push(person.category); }
    return about.length ? name + " — " + about.join(" · ") : name;
  }

  function setup(root) {
    var hidden = root.querySelector("[data-picker-value]");
    var search = root.querySelector("[data-picker-search]");
    var results = root.querySelector("[data-picker-results]");
    var chosen = root.querySelector("[data-picker-chosen]");
    var details = root.querySelector("[data-picker-new]");
    var error = root.querySelector("[data-picker-error]");
    var orgList = root.querySelector("[data-org-list]");
    var clear = root.querySelector("[data-picker-clear]");
    if (clear) {
      clear.addEventListener("click", function () { hidden.value = ""; chosen.textContent = ""; });
    }

    function choose(person) {
      hidden.value = person.id;
      chosen.textContent = label(person);
      results.innerHTML = "";
      search.value = "";
      search.removeAttribute("aria-invalid");
    }

    function show(people) {
      results.innerHTML = "";
      people.forEach(function (person) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "secondary outline picker-option";
        button.setAttribute("role", "option");
        button.textContent = label(person);
        button.addEventListener("click", function () { choose(person); });
        li.appendChild(button);
        results.appendChild(li);
      });
      if (!people.length && search.value.trim()) {
        var empty = document.createElement("li");
        empty.className = "muted";
        empty.textContent = root.dataset.emptyText || "—";
        results.appendChild(empty);
        details.open = true;
        var nameInput = details.querySelector('[data-new="name"]');
        if (!nameInput.value) { nameInput.value = search.value.trim(); }
      }
    }

    var lookup = debounce(function (q) {
      if (!q.trim()) { results.innerHTML = ""; return; }
      fetch(root.dataset.searchUrl + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(show);
    }, 200);
    search.addEventListener("input", function () { lookup(search.value); });
    if (search.value) { lookup(search.value); }  // typed before this script ran
    search.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); var first = results.querySelector("button"); if (first) { first.click(); } }
    });

    var orgInput = details.querySelector('[data-new="organization_name"]');
    orgInput.addEventListener("input", debounce(function () {
      var q = orgInput.value.trim();
      if (!q) { return; }
      fetch(orgList.dataset.searchUrl + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (orgs) {
          orgList.innerHTML = "";
          orgs.forEach(function (o) { var opt = document.createElement("option"); opt.value = o.name; orgList.appendChild(opt); });
        });
    }, 200));

    root.querySelector("[data-picker-create]").addEventListener("click", function () {
      var body = {};
      details.querySelectorAll("[data-new]").forEach(function (input) {
        if (input.value.trim()) { body[input.dataset.new] = input.value.trim(); }
      });
      error.textContent = "";
      fetch(root.dataset.searchUrl, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
        body: JSON.stringify(body)
      }).then(function (r) {
        return r.json().then(function (data) { return {ok: r.ok, data: data}; });
      }).then(function (answer) {
        if (!answer.ok) {
          var errors = answer.data.errors || {};
          var parts = [];
          Object.keys(errors).forEach(function (k) {
            var v = errors[k];
            parts.push(Array.isArray(v) ? v.join(" ") : (typeof v === "object" ? JSON.stringify(v) : v));
          });
          error.textContent = parts.join(" ") || answer.data.message || "Error";
          return;
        }
        choose(answer.data);
        details.querySelectorAll("[data-new]").forEach(function (input) { input.value = ""; });
        details.open = false;
      });
    });
  }

  document.querySelectorAll("[data-people-picker]").forEach(setup);
})();
