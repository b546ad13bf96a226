/* The monitor pages' scripts: select all, batch progress polling, the diagram with piles and
   heat (bpmn-js viewer), the dashboard charts (ECharts, with saveAsImage). */
(function () {
  "use strict";
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); });
  }
  function text(v) { return v === null || v === undefined ? "—" : String(v); }
  function cell(tr, value) { var td = document.createElement("td"); td.textContent = text(value); tr.appendChild(td); return td; }
  // a row's cells take their column's name (data-label), shown beside the value on a phone
  function labelled(table) {
    var names = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent; });
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      Array.prototype.forEach.call(tr.cells, function (td, i) {
        if (names[i] && !td.hasAttribute("data-label")) { td.dataset.label = names[i]; }
      });
    });
  }

  // -- the stuck list: select all --------------------------------------------------------
  var all = document.getElementById("check-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("#stuck input[name=case]").forEach(function (box) { box.checked = all.checked; });
    });
  }

  // -- the process page's version switch: the page of the chosen definition -----------------
  var versions = document.getElementById("version-switch");
  if (versions) {
    versions.addEventListener("submit", function (ev) {
      ev.preventDefault();
      location.href = versions.action.replace(/\d+$/, versions.elements.d.value);
    });
  }

  // -- a bulk repair's progress ------------------------------------------------------------
  var batch = document.getElementById("batch");
  if (batch && batch.dataset.status !== "done") {
    var poll = function () {
      getJSON(batch.dataset.src).then(function (b) {
        document.getElementById("batch-progress").value = b.done;
        document.getElementById("batch-done").textContent = b.done;
        document.getElementById("batch-ok").textContent = b.succeeded;
        document.getElementById("batch-failed").textContent = b.failed;
        if (b.status === "done") { location.reload(); } else { setTimeout(poll, 1500); }
      }).catch(function () { setTimeout(poll, 5000); });
    };
    setTimeout(poll, 1000);
  }

  // -- the diagram: badges, heat, click to list the cases ------------------------------------
  var diagram = document.getElementById("pile-diagram");
  function showCases(element) {
    var url = diagram.dataset.cases.replace("__EL__", encodeURIComponent(element));
    getJSON(url).then(function (data) {
      var section = document.getElementById("element-cases");
      var link = document.querySelector('.pile-link[data-element="' + CSS.escape(element) + '"]');
      document.getElementById("element-name").textContent = link ? link.textContent : element;
      var body = section.querySelector("tbody");
      body.textContent = "";
      data.items.forEach(function (r) {
        var tr = document.createElement("tr");
        var a = document.createElement("a");
        a.href = "/cases/" + r.case_id; a.textContent = r.hazard_code || ("#" + r.case_id);
        cell(tr, "").appendChild(a);
        cell(tr, r.unit_name); cell(tr, r.why); cell(tr, r.days);
        body.appendChild(tr);
      });
      labelled(section.querySelector("table"));
      section.hidden = false;
      section.scrollIntoView({ behavior: "smooth" });
    });
  }
  if (diagram) {
    var piles = JSON.parse(document.getElementById("pile-data").textContent || "{}");
    var xml = JSON.parse(document.getElementById("pile-xml").textContent || "null");
    var badges = {}, heat = {}, incidents = [], active = [], hottest = 0;
    Object.keys(piles).forEach(function (el) {
      var p = piles[el], list = [];
      if (p.active) { list.push({ text: String(p.active), kind: "active" }); active.push(el); }
      if (p.overdue) { list.push({ text: String(p.overdue), kind: "overdue" }); }
      if (p.incidents) { list.push({ text: String(p.incidents), kind: "incident" }); incidents.push(el); }
      badges[el] = list;
      if (p.avg_hours) { hottest = Math.max(hottest, p.avg_hours); }
    });
    Object.keys(piles).forEach(function (el) {
      if (piles[el].avg_hours && hottest) { heat[el] = piles[el].avg_hours / hottest; }
    });
    if (window.HfBpmn && xml) {
      window.HfBpmn.viewer(diagram, xml, { active: active, incidents: incidents, badges: badges,
        heat: heat, onClick: showCases }).catch(function (e) { diagram.textContent = String(e); });
    }
    document.querySelectorAll(".pile-link").forEach(function (a) {
      a.addEventListener("click", function (ev) { ev.preventDefault(); showCases(a.dataset.element); });
    });
  }

  // -- the dashboard -----------------------------------------------------------------------
  var board = document.getElementById("dashboard");
  if (board && window.echarts) {
    var L = JSON.parse(board.dataset.labels);
    var tools = { feature: { saveAsImage: { title: L.save, pixelRatio: 2 } } };
    function chart(id, option) {
      var c = window.echarts.init(document.getElementById(id));
      option.toolbox = tools;
      option.tooltip = option.tooltip || { trigger: "axis" };
      c.setOption(option);
      window.addEventListener("resize", function () { c.resize(); });
      return c;
    }
    getJSON(board.dataset.src).then(function (d) {
      document.getElementById("avg-days").textContent = text(d.weeks.avg_days_to_close);
      if (d.public_reports) {  // only for those who handle reports (null otherwise)
        document.getElementById("reports-received").textContent = text(d.public_reports.received);
        document.getElementById("reports-rate").textContent = text(d.public_reports.rate);
        document.getElementById("reports-days").textContent = text(d.public_reports.avg_days);
        document.getElementById("public-reports").hidden = false;
      }
      chart("chart-weekly", { title: { text: L.weekly, left: "left" }, legend: { left: "left", top: 40 }, grid: { top: 84 },
        xAxis: { type: "category", data: d.weeks.labels }, yAxis: { type: "value" },
        series: [{ name: L.found, type: "bar", data: d.weeks.found },
                 { name: L.closed, type: "line", data: d.weeks.closed }] });
      var levels = ["general", "major"];
      chart("chart-rates", { title: { text: L.rates, left: "left" }, legend: { left: "left", top: 40 }, grid: { top: 84 },
        xAxis: { type: "category", data: levels.map(function (l) { return L[l]; }) },
        yAxis: { type: "value", max: 100 },
        series: [{ name: L.rate, type: "bar", data: levels.map(function (l) { return d.rates[l].rate; }) },
                 { name: L.ontime, type: "bar", data: levels.map(function (l) { return d.rates[l].on_time_rate; }) }] });
      chart("chart-county", { title: { text: L.county },
        xAxis: { type: "category", data: d.overdue.by_county.map(function (r) { return r.name; }) },
        yAxis: { type: "value" }, series: [{ name: L.overdue, type: "bar", data: d.overdue.by_county.map(function (r) { return r.count; }) }] });
      chart("chart-category", { title: { text: L.category }, tooltip: { trigger: "item" },
        series: [{ name: L.overdue, type: "pie", radius: "60%",
                   data: d.overdue.by_category.map(function (r) { return { name: r.name, value: r.count }; }) }] });
      var top = d.units.slice(0, 30);
      chart("chart-units", { title: { text: L.units },
        xAxis: { type: "category", data: top.map(function (r) { return r.name; }), axisLabel: { rotate: 30 } },
        yAxis: { type: "value", max: 100 }, series: [{ name: L.rate, type: "bar", data: top.map(function (r) { return r.rate; }) }] });
      var body = document.querySelector("#unit-ranking tbody");
      d.units.forEach(function (r) {
        var tr = document.createElement("tr");
        [r.rank, r.name, r.found, r.closed, r.overdue, r.rate, r.on_time_rate].forEach(function (v) { cell(tr, v); });
        body.appendChild(tr);
      });
      labelled(document.getElementById("unit-ranking"));
    });
  }
})();
