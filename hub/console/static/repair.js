// The credit repair page (hub.console.repair) is rendered on the server; its forms post without script.
