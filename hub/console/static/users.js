// Console users (operators): create and disable, through the operator's GraphQL mutations.
import { el, fmtMoment, gql, showError, t } from "./console.js";

const body = document.querySelector("#users tbody");
const error = document.getElementById("form-error");

async function load() {
  const data = await gql("query ConsoleUsers { consoleUsers(first: 100) { nodes { username displayName role agencyCode disabledAt lastLoginAt } } }");
  body.replaceChildren(...data.consoleUsers.nodes.map((u) => {
    const action = u.disabledAt
      ? el("span", { class: "muted" }, `${t("users.disabled")} ${fmtMoment(u.disabledAt)}`)
      : el("button", { type: "button", "data-user": u.username }, t("users.disable"));
    return el("tr", {}, el("td", {}, u.username), el("td", {}, u.displayName ?? ""), el("td", {}, u.agencyCode),
      el("td", {}, t(`role.${u.role.toLowerCase()}`)), el("td", {}, action));
  }));
}

body.addEventListener("click", async (event) => {
  const username = event.target.dataset?.user;
  if (!username) return;
  try {
    await gql("mutation ConsoleDisable($u: String!) { disableConsoleUser(username: $u) { username } }", { u: username });
    await load();
  } catch (e) { showError(error, e.message); }
});

document.getElementById("user-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = {
    agencyCode: document.getElementById("agency").value.trim(),
    username: document.getElementById("username").value.trim(),
    displayName: document.getElementById("display-name").value.trim() || null,
    role: document.getElementById("role").value,
    password: document.getElementById("password").value,
  };
  try {
    await gql("mutation ConsoleCreateUser($input: CreateConsoleUserInput!) { createConsoleUser(input: $input) { username } }", { input });
    showError(error, "");
    event.target.reset();
    await load();
  } catch (e) { showError(error, e.message); }
});

load().catch((e) => showError(error, e.message));
