// The live list of open events (信息报告): reload the table's rows every minute.
(function () {
  'use strict';
  var table = document.getElementById('open-events');
  var rows = document.getElementById('open-events-rows');
  if (!table || !rows) { return; }
  var url = table.getAttribute('data-live');
  function refresh() {
    fetch(url, {credentials: 'same-origin', headers: {'Accept': 'text/html'}})
      .then(function (r) { return r.ok && !r.redirected ? r.text() : null; })
      .then(function (html) { if (html !== null) { rows.innerHTML = html; } })
      .catch(function () { /* keep the rows shown; try again next minute */ });
  }
  window.setInterval(refresh, 60000);
}());
