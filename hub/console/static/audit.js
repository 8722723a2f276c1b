// The audit view (operators): search the trail, verify the chain.
import { el, exportLinks, fmtMoment, fmtNumber, gql, label, messages, purposeLabel, showError, t } from "./console.js";

const form = document.getElementById("audit-form");
const body = document.querySelector("#events tbody");
const more = document.getElementById("more");
const chain = document.getElementById("chain");
let cursor = null;

const EVENTS = `query ConsoleAudit($agency: String, $outcome: AuditOutcome, $after: String) {
  auditEvents(agencyCode: $agency, outcome: $outcome, first: 50, after: $after) {
    nodes { seq at agencyCode operator operationType operationName purpose outcome errorCodes durationMs }
    pageInfo { hasNextPage endCursor }
  }
}`;

async function search(append) {
  const variables = {
    agency: document.getElementById("agency").value.trim() || null,
    outcome: document.getElementById("outcome").value || null,
    after: append ? cursor : null,
  };
  const data = await gql(EVENTS, variables);
  const rows = data.auditEvents.nodes.map((e) => el("tr", { "data-seq": e.seq },
    el("td", {}, String(e.seq)), el("td", {}, fmtMoment(e.at)), el("td", {}, e.agencyCode ?? "–"),
    el("td", {}, e.operator ?? "–"), el("td", {}, `${e.operationType ?? ""} ${e.operationName ?? ""}`.trim() || "–"),
    el("td", {}, purposeLabel(e.purpose)),
    el("td", {}, el("span", { class: `badge badge-${e.outcome}`, "data-outcome": e.outcome }, label("AuditOutcome", e.outcome)),
      ...e.errorCodes.map((code) => el("code", { class: "error-code", title: messages[`code.${code}`] ?? code }, ` ${code}`))),
    el("td", {}, fmtNumber(Math.round(e.durationMs * 10) / 10))));
  if (append) body.append(...rows); else body.replaceChildren(...rows);
  cursor = data.auditEvents.pageInfo.endCursor;
  more.hidden = !data.auditEvents.pageInfo.hasNextPage;
  // The download holds the rows shown (the first pages, up to the API's page size).
  exportLinks("audit", { agency: variables.agency, outcome: variables.outcome, first: Math.min(body.children.length, 100) || 50 });
}

async function verify() {
  chain.textContent = "…";
  const data = await gql("query ConsoleVerify { auditVerification { ok records headSeq checkpoints firstBreak { seq kind detail } } }");
  const v = data.auditVerification;
  chain.className = `chain ${v.ok ? "ok" : "broken"}`;
  chain.dataset.ok = String(v.ok);
  chain.textContent = v.ok
    ? `✔ ${t("audit.chain_ok")} · ${fmtNumber(v.records)} ${t("audit.records")} · ${fmtNumber(v.checkpoints)} ${t("audit.checkpoints")}`
    : `✘ ${t("audit.chain_broken")}: #${v.firstBreak.seq} ${v.firstBreak.kind} — ${v.firstBreak.detail}`;
}

form.addEventListener("submit", (e) => { e.preventDefault(); search(false).catch((x) => showError(chain, x.message)); });
more.addEventListener("click", () => search(true).catch((x) => showError(chain, x.message)));
document.getElementById("verify").addEventListener("click", () => verify().catch((x) => showError(chain, x.message)));
search(false).catch((x) => showError(chain, x.message));
verify().catch((x) => showError(chain, x.message));
