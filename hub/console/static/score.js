// A subject's integrity score with its explanation: every item's rule, fact, points and basis.
import { el, fill, gql, label, lang, pageData, showError, t } from "./console.js";
import { checkResidentId, checkUscc, normaliseResidentId, normaliseUscc } from "./identifiers.js";

const form = document.getElementById("score-form");
const identifier = document.getElementById("identifier");
const purpose = document.getElementById("purpose");
const asOf = document.getElementById("as-of");
const rules = document.getElementById("rules");
const formError = document.getElementById("form-error");
const out = document.getElementById("score");

if (pageData.purposes.length === 1 && pageData.purposes[0] !== "CASE_NUMBER") purpose.value = pageData.purposes[0];
const fromUrl = new URLSearchParams(location.search);
if (fromUrl.get("purpose")) purpose.value = fromUrl.get("purpose");

const QUERY = `query ConsoleScore($rid: String, $uscc: String, $asOf: DateTime, $rules: String) {
  s: integrityScore(residentId: $rid, uscc: $uscc, asOf: $asOf, rules: $rules) {
    score baseScore unclamped minScore maxScore rulesVersion asOf explanation
    items { rule fact points rulePoints capped legalBasis explanation } } }`;

function render(s) {
  const rows = s.items.map((i) => el("tr", {},
    el("td", {}, i.rule), el("td", {}, label("ScoreFact", i.fact)), el("td", {}, i.explanation),
    el("td", {}, `${i.points > 0 ? "+" : ""}${i.points}${i.capped ? ` (${t("score.capped")})` : ""}`),
    el("td", {}, i.legalBasis)));
  fill(out,
    el("section", { class: "card subject-head" },
      el("strong", { id: "score-value" }, String(s.score)),
      el("span", {}, `${t("score.rules")}: ${s.rulesVersion}`),
      el("span", {}, `${t("score.as_of")}: ${s.asOf}`)),
    el("section", { class: "card" },
      el("h2", {}, t("score.items")),
      el("p", { id: "score-explanation" }, s.explanation),
      rows.length
        ? el("table", { id: "score-items" },
          el("thead", {}, el("tr", {}, [t("score.col.rule"), t("score.col.fact"), t("score.col.explanation"), t("score.col.points"), t("score.col.basis")].map((h) => el("th", {}, h)))),
          el("tbody", {}, rows))
        : el("p", { class: "muted" }, t("score.no_items"))));
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const raw = identifier.value;
  const asId = checkResidentId(raw, lang);
  const asUscc = checkUscc(raw, lang);
  if (asId && asUscc) return showError(formError, /^[0-9Xx\s-]+$/.test(raw) ? asId.message : asUscc.message);
  showError(formError, "");
  const variables = asId ? { uscc: normaliseUscc(raw) } : { rid: normaliseResidentId(raw) };
  // A day asked about is taken at its end, China time.
  if (asOf.value) variables.asOf = `${asOf.value}T23:59:59+08:00`;
  if (rules.value.trim()) variables.rules = rules.value.trim();
  try {
    const data = await gql(QUERY, variables, { purpose: purpose.value.trim() });
    if (!data.s) {
      out.replaceChildren(el("p", { class: "card muted" }, t("subject.not_found")));
      return;
    }
    render(data.s);
  } catch (error) {
    showError(formError, error.message);
  }
});
