// Check and report: validate the identifier in the form, screen, show the decision with its
// measures, legal basis and what the person can do, then report the outcome.
import { allowed, el, errorMessage, fill, gql, lang, showError, t } from "./console.js";
import { checkResidentId, checkUscc, normaliseResidentId, normaliseUscc } from "./identifiers.js";

const form = document.getElementById("check-form");
const nameInput = document.getElementById("name");
const identifier = document.getElementById("identifier");
const identifierLabel = document.getElementById("identifier-label");
const matter = document.getElementById("matter");
const hotelField = document.getElementById("hotel-field");
const hotel = document.getElementById("hotel");
const formError = document.getElementById("form-error");
const result = document.getElementById("result");
const decisionBox = document.getElementById("decision");
const measuresBox = document.getElementById("measures");
const reportForm = document.getElementById("report-form");
const reportError = document.getElementById("report-error");
const reportDone = document.getElementById("report-done");

const kind = () => form.querySelector('input[name="kind"]:checked').value;
let hotelsLoaded = false;
let interceptionId = null;
let idempotencyKey = null;

function randomKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return "console-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

for (const radio of form.querySelectorAll('input[name="kind"]')) {
  radio.addEventListener("change", () => {
    identifierLabel.textContent = identifierLabel.dataset[kind()];
    showError(formError, "");
  });
}

async function loadHotels() {
  if (hotelsLoaded) return;
  hotelsLoaded = true;
  const data = await gql("query ConsoleHotels { hotels(minStars: 0, first: 100) { nodes { code name stars status } } }");
  for (const h of data.hotels.nodes) {
    if (h.status !== "OPEN") continue;
    hotel.append(el("option", { value: h.code }, `${h.name}（${h.stars} ${t("check.stars")}）`));
  }
}

function onMatter() {
  const isHotel = matter.value === "HOTEL_CHECK_IN";
  hotelField.hidden = !isHotel;
  if (isHotel) loadHotels().catch((e) => showError(formError, e.message));
}
matter.addEventListener("change", onMatter);
onMatter();

// The identifier is checked as it is typed once the form was submitted, and always on submit.
function identifierProblem() {
  const raw = identifier.value;
  if (!raw.trim()) return null;
  return kind() === "person" ? checkResidentId(raw, lang) : checkUscc(raw, lang);
}
identifier.addEventListener("input", () => {
  if (!formError.hidden) showError(formError, identifierProblem()?.message ?? "");
});

function measureFields() {
  const parts = ["name"];
  if (allowed("AppliedMeasure.code")) parts.push("code");
  if (allowed("AppliedMeasure.legalBasis")) parts.push("legalBasis");
  if (allowed("AppliedMeasure.howToResolve")) parts.push("howToResolve");
  if (allowed("AppliedMeasure.court") && allowed("Court.name")) parts.push("court { name }");
  if (allowed("AppliedMeasure.case") && allowed("EnforcementCase.caseNumber")) parts.push("case { caseNumber }");
  return parts.join(" ");
}

function screenDocument() {
  const reasons = allowed("ScreeningDecision.reasons") ? "reasons" : "";
  return `mutation ConsoleCheck($matter: String!, $identities: [IdentityInput!]!, $hotel: String) {
    screen(matter: $matter, identities: $identities, hotelCode: $hotel) {
      decisions { decision ${reasons} interceptionId error { code message position } measures { ${measureFields()} } }
    }
  }`;
}

function row(label, value, cls) {
  if (!value) return null;
  return el("div", { class: `row ${cls || ""}` }, el("dt", {}, label), el("dd", {}, value));
}

function showDecision(decision) {
  result.hidden = false;
  reportDone.hidden = true;
  decisionBox.className = `decision decision-${decision.decision}`;
  fill(decisionBox,
    el("strong", { id: "decision-value", "data-decision": decision.decision }, t(`check.decision.${decision.decision}`)),
    decision.error ? el("p", { class: "field-error" }, errorMessage(decision.error)) : null,
    decision.reasons?.length
      ? el("small", { "data-reasons": decision.reasons.join(",") },
        `${t("check.reasons")}: ${decision.reasons.map((r) => t(`reason.${r}`)).join("；")}`)
      : null,
  );
  fill(measuresBox,
    ...decision.measures.map((m) =>
      el("dl", { class: "measure" },
        row(t("check.measure"), m.name, "measure-name"),
        row(t("check.legal_basis"), m.legalBasis, "legal-basis"),
        row(t("check.case"), m.case?.caseNumber),
        row(t("check.court"), m.court?.name),
        row(t("check.resolve"), m.howToResolve || t("check.resolve.generic"), "resolve"),
      )),
  );
  interceptionId = decision.interceptionId;
  idempotencyKey = randomKey();
  reportForm.hidden = !interceptionId;
  showError(reportError, "");
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  result.hidden = true;
  const name = nameInput.value.trim();
  if (!name) return showError(formError, t("check.name_required"));
  const problem = identifierProblem();
  if (problem) {
    identifier.focus();
    return showError(formError, problem.message);
  }
  if (matter.value === "HOTEL_CHECK_IN" && !hotel.value) return showError(formError, t("check.hotel_required"));
  showError(formError, "");
  const raw = identifier.value.trim();
  const who = { name };
  if (raw) {
    if (kind() === "person") who.residentId = normaliseResidentId(raw);
    else who.uscc = normaliseUscc(raw);
  }
  const variables = { matter: matter.value, identities: [who], hotel: hotel.value || null };
  try {
    const data = await gql(screenDocument(), variables, { purpose: matter.value });
    showDecision(data.screen.decisions[0]);
  } catch (error) {
    showError(formError, error.message);
  }
});

const REPORT = `mutation ConsoleReport($input: SanctionReportInput!) {
  reportSanction(input: $input) { id outcome recordedAt operator }
}`;

reportForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const outcome = document.getElementById("outcome").value;
  const reason = document.getElementById("reason").value.trim();
  if (outcome === "OVERRIDDEN" && !reason) return showError(reportError, t("report.reason_required"));
  const input = {
    interceptionId,
    outcome,
    reason: reason || null,
    businessReference: document.getElementById("reference").value.trim() || null,
    occurredAt: new Date().toISOString(),
    idempotencyKey,
  };
  try {
    const data = await gql(REPORT, { input });
    reportForm.hidden = true;
    reportDone.hidden = false;
    reportDone.textContent = `${t("report.done")}: ${t(`report.outcome.${data.reportSanction.outcome}`)} (#${data.reportSanction.id})`;
  } catch (error) {
    showError(reportError, error.message);
  }
});
