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
    if (ev.target.closest("[data-print]")) window.print();  // <button data-print>
  });
  // a choice that reloads its form at once: <select data-autosubmit>
  document.querySelectorAll("[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => { if (el.form) el.form.submit(); });
  });
})();
// Evidence uploads inside forms: each chosen file is uploaded at once (POST /evidence),
// its id kept in a hidden input named like the field, and a thumbnail shown.
(function () {
  "use strict";
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  document.querySelectorAll(".evidence").forEach((box) => {
    const photos = box.querySelector(".photos");
    const status = box.querySelector(".upload-status");
    const input = box.querySelector('input[type=file]');
    photos.addEventListener("click", (ev) => {
      if (ev.target.classList.contains("remove")) ev.target.closest("figure").remove();
    });
    input.addEventListener("change", async () => {
      for (const file of input.files) {
        const body = new FormData();
        body.append("file", file);
        body.append("kind", box.dataset.kind || "other");
        status.textContent = file.name + " …";
        try {
          const r = await fetch(box.dataset.url || "/evidence", { method: "POST", body,
            credentials: "same-origin", headers: { "X-CSRFToken": csrf(), "Accept": "application/json" } });
          const data = await r.json();
          if (!r.ok) { status.textContent = data.message || ("HTTP " + r.status); continue; }
          const fig = document.createElement("figure");
          fig.dataset.id = data.id;
          fig.innerHTML = '<a target="_blank"><img alt=""></a><input type="hidden"><button type="button" class="remove">×</button>';
          fig.querySelector("a").href = data.url;
          fig.querySelector("img").src = data.thumb_url || data.url;
          fig.querySelector("img").alt = data.filename || "";
          const hidden = fig.querySelector("input");
          hidden.name = box.dataset.name; hidden.value = data.id;
          photos.appendChild(fig);
          status.textContent = "";
        } catch (e) { status.textContent = String(e); }
      }
      input.value = "";
    });
    const form = box.closest("form");
    if (form && box.dataset.required) {
      form.addEventListener("submit", (ev) => {
        if (!photos.querySelector("input[type=hidden]")) {
          ev.preventDefault();
          status.textContent = box.dataset.required;  // the page's sentence, in its language
        }
      });
    }
  });
})();
