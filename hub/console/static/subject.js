// The debtor view (courts, operators): listings, cases, assets across sources, and the
// interceptions and sanctions against the debtor, on one page.
import {
  allowed, downloadLinks, el, exportLinks, fill, fmtDate, fmtMoment, fmtMoney, fmtNumber, gql, label, lang, pageData, purposeLabel, showError, t,
} from "./console.js";
import { checkResidentId, checkUscc, normaliseResidentId, normaliseUscc } from "./identifiers.js";

const form = document.getElementById("subject-form");
const identifier = document.getElementById("identifier");
const purpose = document.getElementById("purpose");
const formError = document.getElementById("form-error");
const out = document.getElementById("subject");

if (pageData.purposes.length === 1 && pageData.purposes[0] !== "CASE_NUMBER") purpose.value = pageData.purposes[0];
const fromUrl = new URLSearchParams(location.search);
if (fromUrl.get("purpose")) purpose.value = fromUrl.get("purpose");

const has = (c) => allowed(c);
function fields() {
  const f = ["id", "kind", "name", "region { code name }", "... on Person { residentId sex birthDate }", "... on Organisation { uscc }"];
  f.push("listings(first: 50) { nodes { id list circumstance publishedOn expiresOn active removedOn removalReason basisDocument case { caseNumber } } }");
  const interceptions = has("EnforcementCase.interceptions")
    ? "interceptions { id at matter decision operator feedback { outcome operator occurredAt reason } }" : "";
  f.push(`cases(first: 50) { nodes { caseNumber filedOn court { name } obligation amount performance performedAmount ${interceptions} } }`);
  if (has("Subject.realEstate")) f.push("realEstate(first: 50) { nodes { share estate { certificateNumber address areaM2 sealed } } }");
  if (has("Subject.vehicles")) f.push("vehicles(first: 50) { nodes { plate make seized } }");
  if (has("Subject.shareholdings")) f.push("shareholdings(first: 50) { nodes { share subscribedCapital company { name uscc } } }");
  return f.join("\n");
}

function section(title, headers, rows, id, downloads = null) {
  const body = rows.length
    ? el("table", { id }, el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))),
      el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c) => el("td", {}, c ?? "–"))))))
    : el("p", { class: "muted" }, t("dash.none"));
  return el("section", { class: "card" }, el("div", { class: "heading" }, el("h2", {}, title), downloads), body);
}

function render(s) {
  const cases = s.cases?.nodes ?? [];
  const interceptions = cases.flatMap((c) => (c.interceptions ?? []).map((i) => ({ ...i, caseNumber: c.caseNumber })));
  fill(out,
    el("section", { class: "card subject-head" },
      el("strong", { id: "subject-name" }, s.name),
      el("span", {}, s.residentId || s.uscc || ""),
      el("span", {}, s.region?.name || s.region?.code || ""),
      s.birthDate ? el("span", {}, fmtDate(s.birthDate)) : null),
    section(t("subject.listings"), [t("check.case"), "", t("dash.col.at"), ""], (s.listings?.nodes ?? []).map((l) =>
      [l.case?.caseNumber ?? l.basisDocument ?? "", `${label("ListKind", l.list)}${l.circumstance ? " · " + label("Circumstance", l.circumstance) : ""}`,
        fmtDate(l.publishedOn), l.active ? "●" : `${fmtDate(l.removedOn)} ${label("RemovalReason", l.removalReason)}`]), "listings",
      downloadLinks("listings")),
    section(t("subject.cases"), [t("check.case"), t("check.court"), t("dash.col.at"), t("subject.amount"), ""], cases.map((c) =>
      [c.caseNumber, c.court.name, fmtDate(c.filedOn), fmtMoney(c.amount), label("Performance", c.performance)]), "cases"),
    s.realEstate ? section(t("subject.estate"), ["", "", "m²", ""], s.realEstate.nodes.map((h) =>
      [h.estate.certificateNumber, h.estate.address, fmtNumber(Number(h.estate.areaM2)), h.estate.sealed ? t("subject.sealed") : ""]), "estate") : null,
    s.vehicles ? section(t("subject.vehicles"), ["", "", ""], s.vehicles.nodes.map((v) =>
      [v.plate, v.make, v.seized ? t("subject.seized") : ""]), "vehicles") : null,
    s.shareholdings ? section(t("subject.shares"), ["", "", "%", ""], s.shareholdings.nodes.map((h) =>
      [h.company.name, h.company.uscc, fmtNumber(Number(h.share) * 100), fmtMoney(h.subscribedCapital)]), "shares") : null,
    section(t("subject.interceptions"), [t("dash.col.at"), t("check.case"), t("dash.col.matter"), t("dash.col.decision"), t("dash.col.operator"), t("dash.col.outcome")],
      interceptions.map((i) => [fmtMoment(i.at), i.caseNumber, purposeLabel(i.matter), label("Decision", i.decision), i.operator,
        i.feedback.map((f) => `${t(`report.outcome.${f.outcome}`)} (${f.operator ?? "–"})`).join("; ") || t("dash.not_reported")]), "interceptions"),
  );
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const raw = identifier.value;
  const asId = checkResidentId(raw, lang);
  const asUscc = checkUscc(raw, lang);
  if (asId && asUscc) return showError(formError, /^[0-9Xx\s-]+$/.test(raw) ? asId.message : asUscc.message);
  showError(formError, "");
  const root = asId ? "subjectByUscc(uscc: $id)" : "subjectByResidentId(residentId: $id)";
  const value = asId ? normaliseUscc(raw) : normaliseResidentId(raw);
  try {
    const data = await gql(`query ConsoleSubject($id: String!) { s: ${root} { ${fields()} } }`, { id: value },
      { purpose: purpose.value.trim() });
    if (!data.s) {
      out.replaceChildren(el("p", { class: "card muted" }, t("subject.not_found")));
      return;
    }
    render(data.s);
    exportLinks("listings", { id: value, purpose: purpose.value.trim() });
  } catch (error) {
    showError(formError, error.message);
  }
});
