-- Webhooks ride out an outage: the event at the head of a webhook is retried on a long
-- schedule (hub.events.webhooks.WebhookConfig) while later events wait behind it, and when
-- the whole schedule has failed the WEBHOOK is parked, not the event. Events parked one by
-- one before this migration stay as they are ('parked' rows of events.delivery), and
-- redeliverParked still sends them.

-- events.webhook.attempts (0007) now counts the failed attempts in a row since the last
-- delivery (or since the webhook was resumed): it picks the pause from the schedule.
COMMENT ON COLUMN events.webhook.attempts IS
    'Failed attempts in a row since the last delivery or resume; the index into the retry schedule.';

ALTER TABLE events.webhook
    -- When the first of those failed attempts was made; null while nothing is failing.
    ADD COLUMN failing_since    timestamptz,
    -- The receiver's status and the error of the latest failed attempt; null when it answered 2xx.
    ADD COLUMN last_http_status integer,
    ADD COLUMN last_error       text CHECK (length(last_error) <= 1000),
    -- Set when the whole schedule failed: nothing is sent until the webhook is resumed
    -- (resumeWebhook, or a new registerWebhook), from the oldest undelivered event.
    ADD COLUMN parked_at        timestamptz;

-- Events parked under the former per-event scheme keep their place: when one is requested
-- again it goes before the next new event, as before.
COMMENT ON COLUMN events.webhook.last_seq IS
    'The cursor: every event up to here is delivered (or was parked one by one before 0017).';
