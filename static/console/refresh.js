// Keeps a console page's live part current without reloading the page: every data-refresh-seconds the page is
// fetched again from its own URL and the element with id "ota-live" is replaced by the new one, so the reader
// keeps their scroll position. A countdown (data-soak-ends, an ISO time) ticks every second in between.
// No library, nothing loaded from elsewhere; paused while the tab is hidden.
(function () {
  "use strict";

  function readable(seconds) {
    const parts = [[Math.floor(seconds / 86400), "d"], [Math.floor(seconds % 86400 / 3600), "h"],
                   [Math.floor(seconds % 3600 / 60), "min"], [seconds % 60, "s"]];
    let first = parts.findIndex(function (part) { return part[0] > 0; });
    if (first < 0) { first = parts.length - 1; }
    return parts.slice(first, first + 2).map(function (part) { return part[0] + " " + part[1]; }).join(" ");
  }

  function tick() {
    document.querySelectorAll("[data-soak-ends]").forEach(function (element) {
      const left = Math.max(0, Math.round((Date.parse(element.dataset.soakEnds) - Date.now()) / 1000));
      element.textContent = left > 0 ? readable(left) : "over";
    });
  }

  function refresh() {
    const live = document.getElementById("ota-live");
    if (!live || document.hidden) { return; }
    fetch(window.location.href, {credentials: "same-origin", headers: {"X-Requested-With": "refresh"}})
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("ota-live");
        if (fresh) {
          live.replaceWith(fresh);
          tick();
        }
      })
      .catch(function () { /* the next round tries again */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const live = document.getElementById("ota-live");
    if (!live) { return; }
    const seconds = Number(live.dataset.refreshSeconds) || 30;
    tick();
    window.setInterval(tick, 1000);
    window.setInterval(refresh, seconds * 1000);
  });
}());
