// What every console page shares: the catalogue, the page's data, Intl formatting, and a
// GraphQL client that sends the session's CSRF token (the cookie goes by itself).

export const messages = JSON.parse(document.getElementById("hub-messages").textContent);
export const pageData = JSON.parse(document.getElementById("hub-page").textContent);
export const lang = pageData.lang;
const csrf = document.querySelector('meta[name="csrf-token"]').content;

export const t = (key) => messages[key] ?? key;
// A value of one of the schema's enums (ListKind, Circumstance, ...) as the reader's words.
export const label = (kind, value) => (value ? messages[`enum.${kind}.${value}`] ?? value : "");
// A declared purpose: a matter code's name, or the text itself (a case number).
export const purposeLabel = (code) => (code ? messages[`purpose.${code}`] ?? code : "");
// An error as the reader's language says it: the catalogue's message for its code in Chinese
// (the hub's own messages are English), the hub's more precise message in English.
export const errorMessage = (error) =>
  (lang === "zh-CN" ? messages[`code.${error?.extensions?.code ?? error?.code}`] : null) ?? error?.message ?? t("error.internal");
export const allowed = (coordinate) => pageData.allowed.includes(coordinate);

const numbers = new Intl.NumberFormat(lang);
const moments = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "medium", timeZone: "Asia/Shanghai" });
const days = new Intl.DateTimeFormat(lang, { month: "numeric", day: "numeric", timeZone: "UTC" });
const longDays = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" });
const money = new Intl.NumberFormat(lang, { style: "currency", currency: "CNY" });

export const fmtNumber = (n) => numbers.format(n);
export const fmtMoment = (iso) => moments.format(new Date(iso));
export const fmtDay = (day) => days.format(new Date(`${day}T00:00:00Z`));
export const fmtDate = (day) => (day ? longDays.format(new Date(`${day}T00:00:00Z`)) : "");
export const fmtMoney = (amount) => money.format(Number(amount));

// Today in China Standard Time, as YYYY-MM-DD.
export function chinaDay(offsetDays = 0) {
  const now = new Date(Date.now() + 8 * 3600 * 1000 + offsetDays * 86400 * 1000);
  return now.toISOString().slice(0, 10);
}

export class GraphQLError extends Error {
  constructor(errors) {
    super([...new Set(errors.map(errorMessage))].join("; "));
    this.errors = errors;
    this.code = errors[0]?.extensions?.code;
  }
}

export async function gql(query, variables = {}, { purpose } = {}) {
  const headers = {
    "Content-Type": "application/json",
    Accept: "application/json",
    "X-CSRF-Token": csrf,
  };
  if (purpose) headers["Hub-Purpose"] = encodeURIComponent(purpose);
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST", credentials: "same-origin", headers, body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new GraphQLError([{ message: t("error.network"), extensions: { code: "NETWORK" } }]);
  }
  if (response.status === 401) {
    window.location.assign("/console/login");
    throw new GraphQLError([{ message: t("error.session"), extensions: { code: "UNAUTHENTICATED" } }]);
  }
  const body = await response.json();
  if (body.errors?.length && !body.data) throw new GraphQLError(body.errors);
  if (body.errors?.length) console.warn("partial result", body.errors);
  return body.data;
}

// A tiny element builder: el("td", { class: "x" }, "text", child).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// replaceChildren without the nulls (the DOM would print them as "null").
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

// Point a view's download links (CSV, Excel) at what it shows: the same question, the same
// rows. The hub runs it as the user, masks it as the page, and audits it like a query.
export function exportLinks(view, params) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== ""));
  for (const format of ["csv", "xlsx"]) {
    const link = document.getElementById(`export-${view}-${format}`);
    if (link) link.href = `/console/export/${view}.${format}?${query}`;
  }
}

// The links themselves, for views drawn by a script (the debtor view).
export function downloadLinks(view) {
  return el("span", { class: "downloads" }, `${t("export.download")}: `,
    el("a", { id: `export-${view}-csv`, download: true }, t("export.csv")), " · ",
    el("a", { id: `export-${view}-xlsx`, download: true }, t("export.xlsx")));
}

export function showError(node, message) {
  node.textContent = message;
  node.hidden = !message;
}

// Subscriptions over graphql-transport-ws on /graphql, authenticated by the session cookie
// and its CSRF token; reconnects after a drop. onStatus(true|false) tells whether it is live.
export function subscribe(query, onNext, onStatus = () => {}) {
  let socket;
  let stopped = false;
  let delay = 1000;
  const open = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/graphql`, "graphql-transport-ws");
    socket.addEventListener("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: { csrf } })));
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "connection_ack") {
        delay = 1000;
        onStatus(true);
        socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query } }));
      } else if (message.type === "next") {
        onNext(message.payload.data);
      } else if (message.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      }
    });
    socket.addEventListener("close", () => {
      onStatus(false);
      if (!stopped) setTimeout(open, (delay = Math.min(delay * 2, 30000)));
    });
  };
  open();
  return () => { stopped = true; socket?.close(); };
}
