// The designer page: modeler + properties panel + lint, drafts, forms with a live preview,
// deploy with server errors on the canvas, versions and diffs, case migration with progress.
// Talks to /designer/api/... (the API's handlers behind the session and its CSRF token).
(function () {
  "use strict";
  const root = document.getElementById("designer");
  if (!root) return;
  const API = root.dataset.api;
  const T = JSON.parse(document.getElementById("dz-text").textContent);
  const $ = (id) => document.getElementById(id);
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const state = { key: null, version: null, draftId: null, revision: null, name: null, forms: {} };
  let modeler = null;
  let serverProblems = [];
  let catalog = { processes: [], drafts: [] };
  const viewers = {};
  // Chinese modeler texts (designer-zh.js) unless the page is in English (?lang=en).
  const zh = /^zh/i.test(document.documentElement.lang || "") && window.HfBpmnZh ? window.HfBpmnZh : null;
  const tr = (text) => (zh && Object.prototype.hasOwnProperty.call(zh, text) ? zh[text] : text);
  // The lint verdict's own texts (kept here, not in the page's catalog).
  const L = /^zh/i.test(document.documentElement.lang || "") ? {
    blocked: "建模检查发现 {n} 个错误，修正后才能部署：",
    lintErrors: "建模检查发现 {n} 个错误：",
    warnings: "{n} 个建模警告（不影响部署）：",
    timer: (kind, value) => "定时器 " + kind + " “" + value + "” 不是有效的 ISO 8601 时长（P7D、PT4H）、日期（2026-12-24）、周期（R3/PT10M），也不是 ${...} 表达式"
  } : {
    blocked: "The modeling check found {n} error(s); fix them to deploy:",
    lintErrors: "The modeling check found {n} error(s):",
    warnings: "{n} modeling warning(s) (deploying is allowed):",
    timer: null
  };
  const fmt = (text, n) => text.replace("{n}", String(n));
  let lintVerdict = { errors: [], warnings: [] };

  class HttpError extends Error {
    constructor(status, body) {
      super((body && body.message) || ("HTTP " + status));
      this.status = status;
      this.body = body || {};
    }
  }

  async function call(method, path, body, form) {
    const headers = { "Accept": "application/json", "X-CSRFToken": csrf() };
    let payload;
    if (form) payload = form;
    else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    const response = await fetch(API + path, { method, credentials: "same-origin", headers, body: payload });
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = { message: text.slice(0, 300) }; }
    if (!response.ok) throw new HttpError(response.status, data);
    return data;
  }

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  }

  function status(text, kind) {
    const el = $("dz-status");
    el.textContent = text;
    el.className = "dz-status " + (kind || "");
  }

  function detailText(details) {
    return (details || []).map((d) => [d.element_id, d.line ? "line " + d.line : "", d.message]
      .filter(Boolean).join(" · ")).join("\n");
  }

  function failed(err) {
    const details = (err.body && err.body.details) || [];
    status((err.message || String(err)) + (details.length ? "\n" + detailText(details) : ""), "error");
    return details;
  }

  // -- issues: lint as you edit, plus the server's problems --------------------------------

  function lintMessage(message) {
    const timer = /^Timer (timeDuration|timeDate|timeCycle) "(.*)" is not an ISO-8601 /.exec(message);
    return timer && L.timer ? L.timer(timer[1], timer[2]) : tr(message);
  }

  function elementName(id) {
    const element = id && modeler ? modeler.modeler.get("elementRegistry").get(id) : null;
    const name = element && element.businessObject && element.businessObject.name;
    return name ? String(name).trim() : "";
  }

  function reasons(issues) {
    return issues.map((i) => {
      const name = elementName(i.element);
      return (name ? "「" + name + "」" : "") + (i.element ? "(" + i.element + ") " : "") + i.message;
    });
  }

  // Lint errors block 部署 (the reasons listed above the canvas); warnings are only shown.
  function showLintVerdict() {
    const errors = lintVerdict.errors;
    const deploy = $("dz-deploy");
    deploy.disabled = errors.length > 0;
    deploy.title = errors.length ? fmt(L.blocked, errors.length) : "";
    const box = $("dz-blocked");
    box.hidden = !errors.length;
    box.innerHTML = errors.length ? "<p>" + esc(fmt(L.blocked, errors.length)) + "</p><ul>" +
      reasons(errors).map((r) => "<li>" + esc(r) + "</li>").join("") + "</ul>" : "";
  }

  function refreshIssues() {
    if (!modeler) return;
    const lint = modeler.lintIssues().map((i) => ({ element: i.id, message: lintMessage(i.message), kind: i.category, source: T.lint, rule: i.rule }));
    lintVerdict = { errors: lint.filter((i) => i.kind === "error"), warnings: lint.filter((i) => i.kind !== "error") };
    showLintVerdict();
    const server = serverProblems.map((p) => ({ element: p.element_id, message: p.message, line: p.line, kind: "error", source: T.server }));
    const all = server.concat(lint);
    const list = $("dz-issues");
    list.innerHTML = all.length ? all.map((i) =>
      '<li class="dz-' + esc(i.kind) + '" data-element="' + esc(i.element || "") + '" data-rule="' + esc(i.rule || "server") + '">' +
      '<span class="tag">' + esc(i.source) + "</span> <code>" + esc(i.element || "") + "</code> " +
      (elementName(i.element) ? "「" + esc(elementName(i.element)) + "」 " : "") +
      (i.line ? "(line " + esc(i.line) + ") " : "") + esc(i.message) + "</li>").join("")
      : "<li>" + esc(T.noIssues) + "</li>";
    const errors = all.filter((i) => i.kind === "error").length;
    list.dataset.errors = String(errors);
    list.dataset.lintErrors = String(lintVerdict.errors.length);
    $("dz-issue-count").textContent = String(all.length);
  }

  $("dz-issues").addEventListener("click", (ev) => {
    const item = ev.target.closest("li[data-element]");
    if (!item || !item.dataset.element || !modeler) return;
    const registry = modeler.modeler.get("elementRegistry");
    const element = registry.get(item.dataset.element);
    if (element) modeler.modeler.get("selection").select(element);
  });

  // -- forms (designer-forms.js) --------------------------------------------------------------

  const forms = window.HfDesignerForms({ $, call, T, state, debounce, detailText,
    selected: () => modeler.modeler.get("selection").get()[0] });

  // -- open, new, save, validate, deploy, import, export -------------------------------------

  async function load(xml, info) {
    await modeler.importXML(xml);
    Object.assign(state, { key: null, version: null, draftId: null, revision: null, name: null, forms: {} }, info);
    serverProblems = [];
    forms.show(null);
    refreshIssues();
  }

  async function open(value) {
    if (!value) return;
    const [kind, a, b] = value.split(":");
    try {
      if (kind === "v") {
        const v = await call("GET", "/processes/" + encodeURIComponent(a) + "/versions/" + b);
        await load(v.bpmn, { key: a, version: Number(b), forms: v.forms });
        status(a + " " + T.version + " " + b);
      } else {
        const d = await call("GET", "/drafts/" + a);
        await load(d.bpmn, { key: d.process_key, draftId: d.id, revision: d.revision, name: d.name, forms: d.forms, version: d.base_version });
        status(T.draft + " " + d.name);
      }
    } catch (err) { failed(err); }
  }

  $("dz-open").addEventListener("change", (ev) => open(ev.target.value));
  $("dz-new").addEventListener("click", async () => { await load(null, {}); status(T.newDiagram); });

  async function currentXML() { return modeler.saveXML(); }

  $("dz-save").addEventListener("click", async () => {
    try {
      const body = { bpmn: await currentXML(), forms: state.forms, name: state.name, base_version: state.version };
      const d = state.draftId
        ? await call("PUT", "/drafts/" + state.draftId, { ...body, revision: state.revision })
        : await call("POST", "/drafts", body);
      Object.assign(state, { draftId: d.id, revision: d.revision, name: d.name, key: d.process_key });
      status(T.saved + ": " + d.name + " (#" + d.id + ")", "ok");
      await loadCatalog();
    } catch (err) { failed(err); }
  });

  function showServer(problems) {
    serverProblems = problems || [];
    modeler.showErrors(serverProblems.filter((p) => p.element_id).map((p) => ({ ...p, element: p.element_id })));
    refreshIssues();
  }

  // 校验: the server's check and the lint's; it passes only when both find no error.
  $("dz-validate").addEventListener("click", async () => {
    try {
      const out = await call("POST", "/validate", { bpmn: await currentXML(), forms: state.forms });
      showServer(out.problems);
      const { errors, warnings } = lintVerdict;
      const warned = warnings.length ? "\n" + fmt(L.warnings, warnings.length) + "\n" + reasons(warnings).join("\n") : "";
      if (out.ok && !errors.length) {
        status(T.valid + warned, warnings.length ? "warn" : "ok");
      } else {
        const linted = errors.length ? fmt(L.lintErrors, errors.length) + "\n" + reasons(errors).join("\n") : "";
        status([T.invalid, detailText(out.problems), linted].filter(Boolean).join("\n") + warned, "error");
      }
    } catch (err) { showServer(failed(err)); }
  });

  $("dz-deploy").addEventListener("click", async () => {
    refreshIssues();
    if (lintVerdict.errors.length) {
      status(fmt(L.blocked, lintVerdict.errors.length) + "\n" + reasons(lintVerdict.errors).join("\n"), "error");
      return;
    }
    if (!window.confirm(T.confirmDeploy)) return;
    try {
      const out = await call("POST", "/deploy", { bpmn: await currentXML(), forms: state.forms });
      showServer([]);
      const first = out.deployed[0] || {};
      Object.assign(state, { key: first.key, version: first.version });
      status(T.deployed + ": " + out.deployed.map((d) => d.key + " " + T.version + " " + d.version).join(", "), "ok");
      await loadCatalog();
    } catch (err) { showServer(failed(err)); }
  });

  $("dz-import").addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    if (!file) return;
    const form = new FormData();
    form.append("bpmn", file, file.name);
    try {
      const d = await call("POST", "/import", undefined, form);
      await load(d.bpmn, { key: d.process_key, draftId: d.id, revision: d.revision, name: d.name, forms: d.forms });
      showServer(d.problems);
      status(T.imported + ": " + d.name + (d.problems.length ? "\n" + detailText(d.problems) : ""), d.problems.length ? "warn" : "ok");
      await loadCatalog();
    } catch (err) {
      failed(err);
      status(T.refused + ": " + $("dz-status").textContent, "error");
    } finally {
      ev.target.value = "";
    }
  });

  $("dz-export").addEventListener("click", async () => {
    const xml = await currentXML();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([xml], { type: "application/xml" }));
    link.download = (state.key || "diagram") + ".bpmn";
    document.body.appendChild(link);
    link.click();
    link.remove();
  });

  $("dz-sim").addEventListener("click", (ev) => {
    const on = modeler.toggleSimulation();
    ev.currentTarget.setAttribute("aria-pressed", String(on));
  });

  // -- catalog: versions, drafts, selects -----------------------------------------------------

  function options(select, items, keep) {
    const before = keep ? select.value : "";
    select.innerHTML = items.map(([value, label]) => '<option value="' + esc(value) + '">' + esc(label) + "</option>").join("");
    if (before && items.some(([v]) => String(v) === before)) select.value = before;
  }

  async function loadCatalog() {
    catalog = await call("GET", "/processes");
    const open = [["", $("dz-open").options[0] ? $("dz-open").options[0].text : ""]];
    for (const p of catalog.processes) {
      for (const v of p.versions) open.push(["v:" + p.key + ":" + v.version, p.key + " · " + T.version + " " + v.version + " · " + p.name]);
    }
    for (const d of catalog.drafts) open.push(["d:" + d.id, T.draft + " #" + d.id + " · " + d.name]);
    options($("dz-open"), open);
    $("dz-processes").innerHTML = catalog.processes.map((p) =>
      '<section class="card"><h2>' + esc(p.name) + " <code>" + esc(p.key) + "</code></h2>" +
      '<table class="list dz-versions" data-key="' + esc(p.key) + '"><thead><tr><th>' + esc(T.version) + "</th><th>" + esc(T.by) +
      "</th><th>" + esc(T.at) + "</th><th>" + esc(T.running) + "</th></tr></thead><tbody>" +
      p.versions.map((v) => '<tr data-version="' + v.version + '"><td>' + v.version + "</td><td>" + esc(v.deployed_by) +
        "</td><td>" + esc(new Date(v.deployed_at).toLocaleString()) + '</td><td class="running">' + v.running_cases + "</td></tr>").join("") +
      "</tbody></table></section>").join("");
    const keys = catalog.processes.map((p) => [p.key, p.name + " (" + p.key + ")"]);
    for (const id of ["dz-diff-key", "dz-mig-key"]) options($(id), keys, true);
    versionsFor("dz-diff");
    versionsFor("dz-mig");
  }

  function versionsFor(prefix) {
    const p = catalog.processes.find((x) => x.key === $(prefix + "-key").value);
    const items = p ? p.versions.map((v) => [v.version, T.version + " " + v.version + " (" + T.running + " " + v.running_cases + ")"]) : [];
    options($(prefix + "-from"), items.slice().reverse(), true);
    options($(prefix + "-to"), items, true);
  }
  $("dz-diff-key").addEventListener("change", () => versionsFor("dz-diff"));
  $("dz-mig-key").addEventListener("change", () => versionsFor("dz-mig"));

  // -- diff -----------------------------------------------------------------------------------

  $("dz-diff-run").addEventListener("click", async () => {
    const key = $("dz-diff-key").value, from = $("dz-diff-from").value, to = $("dz-diff-to").value;
    try {
      const d = await call("GET", "/processes/" + encodeURIComponent(key) + "/diff?from=" + from + "&to=" + to);
      const row = (kind, e) => '<tr class="dz-' + kind + '"><td>' + esc(T[kind]) + "</td><td><code>" + esc(e.id) + "</code></td><td>" +
        esc(e.type) + "</td><td>" + esc(e.name || "") + "</td><td>" + (e.changes || []).map((c) =>
          "<div><code>" + esc(c.attribute) + "</code>: <del>" + esc(c.before == null ? "—" : c.before) + "</del> → <ins>" +
          esc(c.after == null ? "—" : c.after) + "</ins></div>").join("") + "</td></tr>";
      const rows = d.added.map((e) => row("added", e)).concat(d.removed.map((e) => row("removed", e)), d.changed.map((e) => row("changed", e)));
      $("dz-diff-result").innerHTML = rows.length
        ? '<table class="list responsive" id="dz-diff-table"><tbody>' + rows.join("") + "</tbody></table>"
        : "<p>" + esc(T.nochange) + "</p>";
      const [oldV, newV] = await Promise.all([from, to].map((v) => call("GET", "/processes/" + encodeURIComponent(key) + "/versions/" + v)));
      const ids = (list) => list.map((e) => e.id);
      $("dz-diff-old-title").textContent = T.version + " " + from;
      $("dz-diff-new-title").textContent = T.version + " " + to;
      for (const [slot, xml, marks] of [["dz-diff-old", oldV.bpmn, { removed: ids(d.removed), changed: ids(d.changed) }],
        ["dz-diff-new", newV.bpmn, { added: ids(d.added), changed: ids(d.changed) }]]) {
        if (viewers[slot]) viewers[slot].destroy();
        $(slot).innerHTML = "";
        viewers[slot] = await window.HfBpmn.viewer("#" + slot, xml, marks);
      }
    } catch (err) { failed(err); }
  });

  // -- migration (designer-migrate.js) ---------------------------------------------------------

  window.HfDesignerMigrate({ $, call, T, esc, detailText, reload: loadCatalog });

  // -- tabs -----------------------------------------------------------------------------------

  function showTab(name) {
    for (const link of root.querySelectorAll("[data-tab]")) {
      if (link.dataset.tab === name) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    for (const tab of root.querySelectorAll(".dz-tab")) tab.hidden = tab.id !== "tab-" + name;
    if (name === "edit" && modeler) modeler.fit();
    Object.values(viewers).forEach((v) => v.fit());
  }
  root.querySelector(".tabs").addEventListener("click", (ev) => {
    const link = ev.target.closest("[data-tab]");
    if (!link) return;
    ev.preventDefault();
    history.replaceState(null, "", "#" + link.dataset.tab);
    showTab(link.dataset.tab);
  });

  async function start() {
    modeler = await window.HfBpmn.modeler("#dz-canvas", { propertiesPanel: "#dz-panel", lint: true, ...(zh ? { translations: zh } : {}) });
    if (zh && window.HfBpmnZhLocalize) window.HfBpmnZhLocalize("#dz-canvas");
    modeler.on("commandStack.changed", debounce(refreshIssues, 250));
    modeler.on("import.done", () => setTimeout(refreshIssues, 0));
    modeler.on("selection.changed", (e) => forms.show(e.newSelection[0]));
    modeler.on("element.changed", (e) => {
      const selected = modeler.modeler.get("selection").get()[0];
      if (selected && e.element === selected && forms.keyOf(selected) !== forms.current()) forms.show(selected);
    });
    window.hfDesigner = { modeler, state, refreshIssues, lintVerdict: () => { refreshIssues(); return lintVerdict; } };
    refreshIssues();
    await loadCatalog();
    showTab((location.hash || "#edit").slice(1));
    root.dataset.ready = "true";
  }
  start().catch((err) => status(T.loadFailed + ": " + err.message, "error"));
})();
