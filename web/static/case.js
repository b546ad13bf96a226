// The case page's diagram: the bpmn-js viewer with the path taken (done, active, incidents),
// read from the URL in #diagram's data-src.
(function () {
  "use strict";
  const box = document.getElementById("diagram");
  if (!box) return;
  if (!window.HfBpmn) { box.textContent = box.dataset.missing || ""; return; }
  fetch(box.dataset.src, { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then((r) => r.json())
    .then((d) => window.HfBpmn.viewer(box, d.xml, { done: d.done, active: d.active, incidents: d.incidents }))
    .catch((e) => { box.textContent = String(e); });
})();
