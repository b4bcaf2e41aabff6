// Progressive enhancement only: every page works without this file.
"use strict";

function sortTable(table, th, kind) {
  const index = Array.prototype.indexOf.call(th.parentNode.children, th);
  const ascending = th.getAttribute("aria-sort") !== "ascending";
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  rows.sort(function (a, b) {
    const x = a.cells[index].dataset.value || "";
    const y = b.cells[index].dataset.value || "";
    const order = kind === "number" ? Number(x) - Number(y) : x.localeCompare(y, undefined, { sensitivity: "base" });
    return ascending ? order : -order;
  });
  rows.forEach(function (row) { body.appendChild(row); });
  table.querySelectorAll("th[aria-sort]").forEach(function (other) { other.removeAttribute("aria-sort"); });
  th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
}

document.addEventListener("click", function (event) {
  const target = event.target instanceof Element ? event.target : null;
  if (!target) { return; }
  const sorter = target.closest("th button[data-sort]");
  if (sorter) {
    sortTable(sorter.closest("table"), sorter.closest("th"), sorter.dataset.sort);
    return;
  }
  const fill = target.closest("button[data-fill]");
  if (fill) {
    const field = document.getElementById(fill.dataset.fill);
    const source = document.getElementById(fill.dataset.from);
    if (field && source) { field.value = source.textContent.trim(); field.focus(); }
    return;
  }
  // A click anywhere on a result row opens its lead page (the company link stays the keyboard path).
  const row = target.closest("table.results tbody tr");
  if (row && !target.closest("a")) {
    const link = row.querySelector("a[href]");
    if (link) { window.location.assign(link.href); }
  }
});
