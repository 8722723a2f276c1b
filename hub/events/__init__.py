"""List changes leave the hub: the outbox, its LISTEN/NOTIFY fan-out, and webhooks."""
