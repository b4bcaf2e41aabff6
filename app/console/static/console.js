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

// A campaign's live view: its event stream (the browser's EventSource sends Last-Event-ID when it
// reconnects, so no event is shown twice or missed) fills the leads table and moves the progress bar.
const NOT_GRADED = "Too little evidence to grade";

function liveCampaign(section) {
  if (section.dataset.finished === "true" || !window.EventSource) { return; }
  const byId = function (id) { return document.getElementById(id); };
  const table = byId("leads").tBodies[0];
  const shown = Number(section.dataset.shownRows || "500");
  const status = byId("feed-status");
  const url = section.dataset.events + "?last_event_id=" + encodeURIComponent(section.dataset.lastEventId || "0");
  const source = new EventSource(url);
  let ended = false;

  function progress(data) {
    const bar = byId("progress");
    if (typeof data.total === "number" && data.total > 0) { bar.max = data.total; }
    if (typeof data.done === "number") { bar.value = Math.min(data.done, bar.max); }
    if (data.state) { byId("state").textContent = data.state; }
    const total = typeof data.total === "number" ? " of " + data.total : "";
    if (typeof data.done === "number") { byId("progress-text").textContent = data.done + total + " leads"; }
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text;
    if (className) { td.className = className; }
    return td;
  }

  function addLead(data) {
    const rank = String(data.rank);
    if (table.querySelector('tr[data-rank="' + rank + '"]') || table.rows.length >= shown) { return; }
    const row = document.createElement("tr");
    row.dataset.rank = rank;
    cell(row, rank, "num");
    const company = row.insertCell();
    const link = document.createElement("a");
    link.href = "/app/leads/" + encodeURIComponent(data.lead_id);
    link.textContent = data.domain;
    company.appendChild(link);
    cell(row, data.grade === null || data.grade === undefined ? "—" : String(data.grade), "num");
    cell(row, data.band || "—");
    const reasons = Array.isArray(data.reasons) ? data.reasons : [];
    const graded = data.grade !== null && data.grade !== undefined;
    cell(row, reasons.length && reasons[0].text ? reasons[0].text : (graded ? "" : NOT_GRADED), "reason wide");
    // Keep rank order even if a reconnect replays from an earlier point.
    const after = Array.from(table.rows).find(function (r) { return Number(r.dataset.rank) > Number(rank); });
    table.insertBefore(row, after || null);
  }

  function showError(message) {
    const box = byId("errors");
    box.textContent = "";
    const p = document.createElement("p");
    p.className = "error";
    p.textContent = message;
    box.appendChild(p);
  }

  function finish(data) {
    ended = true;
    source.close();
    progress(data);
    const bar = byId("progress");
    if (!bar.hasAttribute("value")) { bar.max = 1; bar.value = 1; }
    byId("cancel").hidden = true;
    const cancelling = byId("cancelling");
    if (cancelling) { cancelling.hidden = true; }
    byId("downloads").hidden = false;
    status.textContent = "Finished: " + (data.state || "done") + ".";
  }

  function read(event) {
    section.dataset.lastEventId = event.lastEventId;
    return JSON.parse(event.data);
  }

  source.addEventListener("open", function () { status.textContent = "Live: leads appear as the campaign finds them."; });
  source.addEventListener("error", function () {
    if (ended) { return; }
    status.textContent = source.readyState === EventSource.CLOSED
      ? "The live view stopped. Reload the page to see the latest state."
      : "Connection lost: reconnecting…";
  });
  source.addEventListener("pipeline_start", function (event) { progress(read(event)); });
  source.addEventListener("status_update", function (event) {
    const data = read(event);
    progress(data);
    if (data.error && data.error.message) { showError("A step failed and will be retried: " + data.error.message); }
  });
  source.addEventListener("lead_generated", function (event) { addLead(read(event)); });
  source.addEventListener("pipeline_end", function (event) { finish(read(event)); });
  source.addEventListener("pipeline_error", function (event) {
    const data = read(event);
    showError("The campaign failed: " + (data.error && data.error.message ? data.error.message : "unknown error"));
    finish(data);
  });
}

document.addEventListener("DOMContentLoaded", function () {
  const live = document.getElementById("live");
  if (live) { liveCampaign(live); }
});

// A citation in a grade reason or a draft sentence lights up the evidence it cites while pointed at
// or focused (following the link also highlights it, through :target).
function lightCitation(event, on) {
  const target = event.target instanceof Element ? event.target.closest("a.cite") : null;
  if (!target) { return; }
  const cited = document.getElementById(target.getAttribute("href").slice(1));
  if (cited) { cited.classList.toggle("lit", on); }
}
document.addEventListener("mouseover", function (event) { lightCitation(event, true); });
document.addEventListener("mouseout", function (event) { lightCitation(event, false); });
document.addEventListener("focusin", function (event) { lightCitation(event, true); });
document.addEventListener("focusout", function (event) { lightCitation(event, false); });
