// GraphiQL from the hub's own copy: the key typed into the page (kept in memory only) goes
// as the Authorization header; without one, a logged-in operator's session is used.
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const keyInput = document.getElementById("api-key");
  const purposeInput = document.getElementById("purpose");
  async function fetcher(params) {
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    const key = keyInput.value.trim();
    if (key) headers.Authorization = "Bearer " + key;
    else if (csrf) headers["X-CSRF-Token"] = csrf;
    const purpose = purposeInput.value.trim();
    if (purpose) headers["Hub-Purpose"] = encodeURIComponent(purpose);
    const response = await fetch("/graphql", {
      method: "POST", headers, credentials: key ? "omit" : "same-origin", body: JSON.stringify(params),
    });
    return response.json();
  }
  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true, shouldPersistHeaders: false }));
})();
