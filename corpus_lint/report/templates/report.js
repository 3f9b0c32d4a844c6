"use strict";
// The findings browser and sortable tables. Every piece of data reaches the page through
// textContent or option labels, never as markup.
(function () {
  const PAGE_SIZE = 200;
  const FIXES = ["", "fixable with --fix", "fixable with --fix --unsafe-fixes"];
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const byId = (id) => document.getElementById(id);
  const list = byId("findings-list");
  const status = byId("findings-status");
  const filters = {
    rule: byId("filter-rule"),
    folder: byId("filter-folder"),
    severity: byId("filter-severity"),
  };
  let matching = [];
  let page = 0;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function addOption(select, value, label) {
    const option = element("option", "", label);
    option.value = String(value);
    select.append(option);
  }

  data.rules.forEach((rule, i) => addOption(filters.rule, i, rule[0] + " " + rule[1]));
  data.folders
    .map((name, i) => [name, i])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .forEach(([name, i]) => addOption(filters.folder, i, name));
  ["error", "warning", "info"]
    .filter((s) => data.rules.some((rule) => rule[2] === s))
    .forEach((s) => addOption(filters.severity, s, s));

  function finding(row) {
    const [ruleIndex, pathIndex, line, column, messageIndex, fix, context] = row;
    const [code, name, severity] = data.rules[ruleIndex];
    const item = element("li", "finding");
    const head = element("p", "where");
    head.append(
      element("span", "path", data.paths[pathIndex] + ":" + line + ":" + column),
      " ",
      element("code", "code", code),
      " ",
      element("span", "sev sev-" + severity, severity),
      " ",
      element("span", "name", name)
    );
    item.append(head, element("p", "message", data.messages[messageIndex]));
    if (context) {
      const quote = element("pre", "line");
      quote.setAttribute("aria-label", "the offending line, with the reported text marked");
      quote.append(context[0], element("mark", "", context[1]), context[2]);
      item.append(quote);
    }
    if (fix) item.append(element("p", "fix", FIXES[fix]));
    return item;
  }

  function show() {
    const start = page * PAGE_SIZE;
    const shown = matching.slice(start, start + PAGE_SIZE);
    list.replaceChildren(...shown.map((i) => finding(data.findings[i])));
    list.start = start + 1;
    status.textContent = matching.length
      ? "Findings " + (start + 1) + " to " + (start + shown.length) + " of " + matching.length + "."
      : "No finding matches.";
    byId("page-previous").disabled = page === 0;
    byId("page-next").disabled = start + PAGE_SIZE >= matching.length;
  }

  function apply() {
    const rule = filters.rule.value;
    const folder = filters.folder.value;
    const severity = filters.severity.value;
    matching = [];
    data.findings.forEach((row, i) => {
      if (rule !== "" && row[0] !== Number(rule)) return;
      if (folder !== "" && data.pathFolder[row[1]] !== Number(folder)) return;
      if (severity !== "" && data.rules[row[0]][2] !== severity) return;
      matching.push(i);
    });
    page = 0;
    show();
  }

  Object.values(filters).forEach((select) => select.addEventListener("change", apply));
  byId("page-previous").addEventListener("click", () => {
    page -= 1;
    show();
  });
  byId("page-next").addEventListener("click", () => {
    page += 1;
    show();
  });
  byId("filters").addEventListener("submit", (event) => event.preventDefault());

  // Sortable tables: a button in each column header; aria-sort tells screen readers.
  document.querySelectorAll("table.sortable").forEach((table) => {
    const headers = Array.from(table.tHead.rows[0].cells);
    headers.forEach((header, column) => {
      const button = header.querySelector("button");
      button.addEventListener("click", () => {
        const ascending = header.getAttribute("aria-sort") !== "ascending";
        const numeric = button.dataset.type === "number";
        const body = table.tBodies[0];
        const value = (row) => row.cells[column].dataset.value;
        const rows = Array.from(body.rows).sort((a, b) => {
          const x = numeric ? Number(value(a)) : value(a);
          const y = numeric ? Number(value(b)) : value(b);
          return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
        });
        body.append(...rows);
        headers.forEach((h) => h.setAttribute("aria-sort", "none"));
        header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      });
    });
  });

  apply();
  document.documentElement.dataset.ready = String(Math.round(performance.now()));
})();
