/*
 * The guided release flow (templates/admin/catalog/release/guide.html) and the release page: the
 * verification badge follows the worker without a reload, by polling the release's artifact-state JSON
 * until the file is verified or failed. Without JavaScript a reload shows the same.
 */
(function () {
  "use strict";
  const INTERVAL_MS = 1500;
  const GIVE_UP_AFTER_MS = 15 * 60 * 1000;

  function watch(element) {
    const started = Date.now();
    // On the guide the badge is inside the element; on the release page the element names the fields.
    const badge = document.querySelector(element.dataset.otaBadge || ".ota-artifact-badge");
    const failure = document.querySelector(element.dataset.otaFailure || ".ota-artifact-failure");
    const step = element.closest("[data-done]");

    function poll() {
      fetch(element.dataset.otaPoll, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then((state) => {
          badge.innerHTML = state.artifact.badge; // rendered by the server (catalog/admin/display.py)
          if (failure) failure.textContent = state.artifact.failure || "-";
          if (step) step.dataset.done = String(state.artifact.state === "verified");
          document.querySelectorAll(".ota-start-link").forEach((link) => {
            link.classList.toggle("ota-go", state.artifact.state === "verified");
          });
          if (!state.settled && Date.now() - started < GIVE_UP_AFTER_MS) {
            setTimeout(poll, INTERVAL_MS);
          }
        })
        .catch(() => {
          if (Date.now() - started < GIVE_UP_AFTER_MS) setTimeout(poll, INTERVAL_MS * 4);
        });
    }
    poll();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-ota-poll]").forEach(watch);
  });
})();
