// The designer's case migration: preview which running cases of a version can move to
// another (with the element mapping the server suggests and the user completes), then move
// them in batches with progress. designer.js builds it with what it shares.
window.HfDesignerMigrate = function (ctx) {
  "use strict";
  const { $, call, T, esc, detailText, reload } = ctx;

  let mapping = {};
  let targetElements = [];

  function migArgs() {
    return { key: $("dz-mig-key").value, from_version: Number($("dz-mig-from").value), to_version: Number($("dz-mig-to").value), mapping };
  }

  function caseRows(cases) {
    $("dz-mig-cases").querySelector("tbody").innerHTML = cases.map((c) => {
      const outcome = c.status ? T[c.status] || c.status : (c.ok ? T.clean : T.blocked);
      const good = c.status ? c.status === "moved" : c.ok;
      return '<tr data-case="' + c.case_id + '" class="' + (good ? "dz-ok" : "dz-bad") + '"><td>' + c.case_id + "</td><td>" +
        esc((c.positions || []).join(", ")) + '</td><td class="result">' + esc(outcome) + "</td><td>" + esc(c.reason || "") + "</td></tr>";
    }).join("");
  }

  async function loadTargetElements() {
    const v = await call("GET", "/processes/" + encodeURIComponent($("dz-mig-key").value) + "/versions/" + $("dz-mig-to").value);
    const doc = new DOMParser().parseFromString(v.bpmn, "application/xml");
    const kinds = ["userTask", "task", "manualTask", "receiveTask", "serviceTask", "intermediateCatchEvent", "subProcess", "callActivity"];
    targetElements = [];
    for (const node of doc.getElementsByTagName("*")) {
      if (kinds.includes(node.localName) && node.getAttribute("id")) targetElements.push([node.getAttribute("id"), node.getAttribute("name") || ""]);
    }
  }

  async function migPreview() {
    try {
      await loadTargetElements();
      const p = await call("POST", "/migrations/preview", migArgs());
      for (const [from, to] of Object.entries(p.suggested_mapping)) if (!(from in mapping)) mapping[from] = to;
      const needed = p.needs_mapping.concat(Object.keys(mapping).filter((k) => !p.needs_mapping.includes(k)));
      $("dz-mig-mapping").innerHTML = needed.length ? "<p>" + esc(T.needsMap) + "</p>" + needed.map((id) =>
        '<label class="dz-map"><code>' + esc(id) + '</code> → <select data-from="' + esc(id) + '"><option value="">' + esc(T.keep) + "</option>" +
        targetElements.map(([tid, name]) => '<option value="' + esc(tid) + '"' + (mapping[id] === tid ? " selected" : "") + ">" +
          esc(tid + (name ? " · " + name : "")) + "</option>").join("") + "</select></label>").join("") : "";
      caseRows(p.cases);
      $("dz-mig-status").textContent = T.clean + " " + p.summary.clean + " / " + p.summary.total + "，" + T.blocked + " " + p.summary.blocked;
      $("dz-mig-run").disabled = p.summary.total === 0;
    } catch (err) {
      $("dz-mig-status").textContent = err.message + " " + detailText(err.body.details);
    }
  }

  $("dz-mig-preview").addEventListener("click", () => { mapping = {}; migPreview(); });
  $("dz-mig-mapping").addEventListener("change", (ev) => {
    const select = ev.target.closest("select[data-from]");
    if (!select) return;
    if (select.value) mapping[select.dataset.from] = select.value;
    else delete mapping[select.dataset.from];
    migPreview();
  });

  $("dz-mig-run").addEventListener("click", async () => {
    if (!window.confirm(T.confirmMigrate)) return;
    $("dz-mig-run").disabled = true;
    const bar = $("dz-mig-progress");
    try {
      let batch = await call("POST", "/migrations", migArgs());
      bar.hidden = false;
      bar.max = Math.max(1, batch.total);
      while (batch.status !== "done") {
        batch = await call("POST", "/migrations/" + batch.id + "/run", { limit: 5 });
        bar.value = batch.done;
        caseRows(batch.cases);
        $("dz-mig-status").textContent = batch.done + " / " + batch.total;
      }
      bar.value = batch.total;
      $("dz-mig-status").textContent = T.done + "：" + T.moved + " " + batch.moved + "，" + T.blocked + " " + batch.blocked;
      $("dz-mig-status").dataset.batch = String(batch.id);
      await reload();
    } catch (err) {
      $("dz-mig-status").textContent = err.message;
    }
  });
};
