// harness compare report: sortable tables. Sets data-report-ready on <html> when done,
// so a headless browser can tell that the script ran without an error.
(function () {
  "use strict";
  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) { return ""; }
    var raw = cell.getAttribute("data-sort");
    if (raw !== null && raw !== "" && !isNaN(Number(raw))) { return Number(raw); }
    return (raw !== null ? raw : cell.textContent.trim()).toLowerCase();
  }
  function compare(x, y) {
    if (typeof x === "number" && typeof y === "number") { return x - y; }
    if (typeof x === "number") { return -1; }
    if (typeof y === "number") { return 1; }
    return x.localeCompare(y);
  }
  function sortBy(table, index, header) {
    var body = table.tBodies[0];
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var order = compare(cellValue(a, index), cellValue(b, index));
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    if (!table.tHead || !table.tBodies.length) { return; }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.addEventListener("click", function () { sortBy(table, index, th); });
      th.title = "sort";
    });
  });
  document.documentElement.setAttribute("data-report-ready", String(tables.length));
  var status = document.getElementById("script-status");
  if (status) { status.textContent = "interactive: " + tables.length + " sortable tables"; }
}());
