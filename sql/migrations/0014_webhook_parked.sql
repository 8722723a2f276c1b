-- Finding an agency's parked events (the `webhook` query) without reading every attempt.
CREATE INDEX delivery_parked ON events.delivery (webhook_id, seq, id) WHERE status = 'parked';
