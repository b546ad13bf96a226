// hazardflow: small page helpers, no framework.
(function () {
  "use strict";
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  window.hfPost = function (url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json" },
      body: JSON.stringify(body || {}) });
  };
  // Live counts: the header's unread badge and any element with data-count="<name>".
  const badge = document.getElementById("unread-count");
  function refresh() {
    if (!badge || !badge.dataset.src) return;
    fetch(badge.dataset.src, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then((r) => (r.ok ? r.json() : null)).then((data) => {
        if (!data) return;
        badge.textContent = data.unread ? String(data.unread) : "";
        document.querySelectorAll("[data-count]").forEach((el) => {
          const v = data.tabs && data.tabs[el.dataset.count];
          if (v !== undefined) { el.textContent = String(v); el.classList.toggle("hot", v > 0 && el.dataset.hot !== undefined); }
        });
      }).catch(() => {});
  }
  refresh();
  setInterval(refresh, 30000);
  // "select all" checkboxes: <input type=checkbox data-select-all="name">
  document.querySelectorAll("[data-select-all]").forEach((box) => {
    box.addEventListener("change", () => {
      document.querySelectorAll('input[type=checkbox][name="' + box.dataset.selectAll + '"]')
        .forEach((c) => { c.checked = box.checked; });
    });
  });
  // confirm before destructive submits: <button data-confirm="...">
  document.addEventListener("click", (ev) => {
    const el = ev.target.closest("[data-confirm]");
    if (el && !window.confirm(el.dataset.confirm)) ev.preventDefault();
  });
})();
