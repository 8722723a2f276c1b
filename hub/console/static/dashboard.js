// The dashboard: province figures per day (time series), this agency's or every agency's
// figures per matter, agency or region (bars), recent interceptions; live from `activity`.
import { barChart, timeSeries } from "./charts.js";
import {
  chinaDay, el, exportLinks, fmtDay, fmtMoment, fmtNumber, gql, label, lang, pageData, purposeLabel, subscribe, t,
} from "./console.js";

const RECENT = 15;

const COLORS = { comparisons: "#8a9bb0", interceptions: "#c8102e", sanctions: "#d98b00", debtorsPaid: "#1b7f4b" };
const QUERY = `query ConsoleDashboard($since: Date!, $until: Date!) {
  provinceStatistics(since: $since, until: $until) { day queries comparisons interceptions sanctions debtorsPaid }
  sanctionStatistics(since: $since, until: $until) { day agencyCode matter regionCode comparisons interceptions sanctions debtorsPaid }
  recentInterceptions(first: ${RECENT}) { id at agencyCode matter decision regionCode operator outcome }
  matters { code name }
}`;

const barsBy = document.getElementById("bars-by");
const live = document.getElementById("live");
let last = null;
let matterNames = {};
// The catalogue's names are Chinese; in English the console's own labels.
const matterName = (code) => (lang === "zh-CN" ? matterNames[code] : null) ?? purposeLabel(code);

document.getElementById("scope").textContent = pageData.operator ? t("dash.scope.all") : t("dash.scope.own");

function tiles(days) {
  const sum = (key) => days.reduce((total, d) => total + d[key], 0);
  for (const [key, id] of [["queries", "total-queries"], ["comparisons", "total-comparisons"],
    ["interceptions", "total-interceptions"], ["sanctions", "total-sanctions"], ["debtorsPaid", "total-debtors-paid"]]) {
    const node = document.getElementById(id);
    node.textContent = fmtNumber(sum(key));
    node.dataset.value = String(sum(key));
  }
}

function series(days) {
  const keys = ["comparisons", "interceptions", "sanctions", "debtorsPaid"];
  const labels = { comparisons: t("dash.comparisons"), interceptions: t("dash.interceptions"),
    sanctions: t("dash.sanctions"), debtorsPaid: t("dash.debtors_paid") };
  timeSeries(document.getElementById("series"), days.map((d) => d.day),
    keys.map((key) => ({ key, label: labels[key], color: COLORS[key], values: days.map((d) => d[key]) })),
    { formatDay: fmtDay, formatNumber: fmtNumber, title: t("dash.per_day") });
  document.getElementById("series-legend").replaceChildren(
    ...keys.map((key) => el("span", {}, el("i", { class: `swatch swatch-${key}` }), labels[key])));
}

function bars(rows) {
  const by = barsBy.value;
  const field = { matter: "matter", agency: "agencyCode", region: "regionCode" }[by];
  const groups = new Map();
  for (const r of rows) {
    const g = groups.get(r[field]) || { interceptions: 0, sanctions: 0 };
    g.interceptions += r.interceptions;
    g.sanctions += r.sanctions;
    groups.set(r[field], g);
  }
  const list = [...groups.entries()]
    .sort((a, b) => b[1].interceptions - a[1].interceptions)
    .slice(0, 12)
    .map(([key, g]) => ({ label: by === "matter" ? matterName(key) : key, values: [g.interceptions, g.sanctions] }));
  document.getElementById("bars-title").textContent = barsBy.options[barsBy.selectedIndex].text;
  barChart(document.getElementById("bars"), list,
    [{ label: t("dash.interceptions"), color: COLORS.interceptions }, { label: t("dash.sanctions"), color: COLORS.sanctions }],
    { formatNumber: fmtNumber, title: barsBy.options[barsBy.selectedIndex].text, empty: t("dash.none") });
}

function recent(items) {
  const body = document.querySelector("#recent tbody");
  if (!items.length) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: 6, class: "muted" }, t("dash.none"))));
    return;
  }
  body.replaceChildren(...items.map((i) => el("tr", { "data-id": i.id },
    el("td", {}, fmtMoment(i.at)),
    el("td", {}, i.agencyCode),
    el("td", {}, matterName(i.matter)),
    el("td", {}, el("span", { class: `badge badge-${i.decision}`, "data-decision": i.decision }, label("Decision", i.decision))),
    el("td", {}, i.operator || "–"),
    el("td", {}, i.outcome ? t(`report.outcome.${i.outcome}`) : el("span", { class: "muted" }, t("dash.not_reported"))),
  )));
}

async function load() {
  const data = await gql(QUERY, { since: chinaDay(-29), until: chinaDay(1) });
  last = data;
  matterNames = Object.fromEntries(data.matters.map((m) => [m.code, m.name]));
  tiles(data.provinceStatistics);
  series(data.provinceStatistics);
  bars(data.sanctionStatistics);
  recent(data.recentInterceptions);
  const updated = document.getElementById("updated");
  updated.textContent = fmtMoment(new Date().toISOString());
  updated.dataset.at = String(Date.now());
}

exportLinks("interceptions", { first: RECENT });
barsBy.addEventListener("change", () => last && bars(last.sanctionStatistics));
load().catch((e) => console.error(e));

let pending = false;
subscribe("subscription ConsoleActivity { activity { at interceptions sanctions listChanges } }", () => {
  if (pending) return;
  pending = true;
  // Ticks can come in bursts; one reload covers them.
  setTimeout(() => { pending = false; load().catch((e) => console.error(e)); }, 200);
}, (on) => {
  live.textContent = on ? t("dash.live") : t("dash.offline");
  live.className = on ? "live on" : "live off";
  live.dataset.live = on ? "1" : "0";
});
