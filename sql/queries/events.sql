-- The outbox of list changes, and the webhooks that push it to agencies.

-- Emitters take this lock (held to their commit) before drawing a sequence number, so
-- events commit in sequence order: a reader that has seen seq n will never later find a
-- smaller one appear, and may keep "the last seq I handled" as its only cursor.
-- name: lock_outbox
SELECT pg_advisory_xact_lock(7202611281);

-- Appends an event in the caller's transaction; NOTIFY is delivered when it commits. Its
-- payload is '<seq>@<WAL insert position after the event's row>': a lower bound of the
-- change's commit record, which read replicas must replay before they answer (hub.db.replicas).
-- name: insert_event
WITH inserted AS (
    INSERT INTO events.outbox (kind, listing_id, subject_id, payload)
    VALUES ($1, $2, $3, $4::jsonb)
    RETURNING seq
)
SELECT seq, pg_notify('hub_events', seq::text || '@' || pg_current_wal_insert_lsn()::text) FROM inserted;

-- name: events_after
SELECT seq, at, kind, listing_id, subject_id, payload
  FROM events.outbox
 WHERE seq > $1
 ORDER BY seq
 LIMIT $2;

-- name: last_seq
SELECT coalesce(max(seq), 0) FROM events.outbox;

-- ---------------------------------------------------------------- webhooks

-- Retires the agency's active webhook (if any) and returns its cursor.
-- name: deactivate_webhook
UPDATE events.webhook SET active = false
 WHERE agency_id = $1 AND active
RETURNING id, last_seq;

-- $4: the cursor to start from (a replaced webhook's, else the outbox's head).
-- name: insert_webhook
INSERT INTO events.webhook (agency_id, url, secret, last_seq)
VALUES ($1, $2, $3, $4)
RETURNING id, url, created_at, last_seq;

-- name: active_webhook
SELECT id, url, last_seq, parked_at FROM events.webhook WHERE agency_id = $1 AND active;

-- The webhooks a dispatcher delivers for (a parked one waits for resumeWebhook).
-- wait_s: seconds until the webhook's next attempt is due (<= 0: now).
-- name: active_webhook_ids
SELECT id, extract(epoch FROM next_attempt_at - now())::float8 AS wait_s
  FROM events.webhook WHERE active AND parked_at IS NULL ORDER BY id;

-- Claims one webhook for a delivery: the row lock is held to the end of the transaction,
-- so no two hub processes deliver for one agency at once; a busy webhook is skipped, and so
-- is one whose retry is not yet due (a NOTIFY for a new event does not bring a retry forward)
-- or which is parked.
-- name: claim_webhook
SELECT w.id, w.agency_id, w.url, w.secret, w.last_seq, w.next_attempt_at, w.attempts,
       a.code AS agency_code, a.name AS agency_name, a.kind AS agency_kind,
       a.region AS agency_region, a.role AS agency_role
  FROM events.webhook w
  JOIN core.agency a ON a.id = w.agency_id
 WHERE w.id = $1 AND w.active AND w.parked_at IS NULL AND w.next_attempt_at <= now()
   FOR UPDATE OF w SKIP LOCKED;

-- A parked event the agency asked for again comes first, then the next in order.
-- name: next_redelivery
SELECT min(seq) FROM events.redelivery WHERE webhook_id = $1;

-- name: event_by_seq
SELECT seq, at, kind, listing_id, subject_id, payload FROM events.outbox WHERE seq = $1;

-- Attempts made on an event since it was last delivered or parked.
-- name: attempts_made
SELECT count(*) FROM events.delivery
 WHERE webhook_id = $1 AND seq = $2
   AND id > coalesce((SELECT max(id) FROM events.delivery
                       WHERE webhook_id = $1 AND seq = $2 AND status IN ('delivered', 'parked')), 0);

-- name: insert_delivery
INSERT INTO events.delivery (webhook_id, seq, attempt, status, http_status, error)
VALUES ($1, $2, $3, $4, $5, $6);

-- The event at the head is done (delivered, or not for this agency): move on.
-- name: advance_webhook
UPDATE events.webhook SET last_seq = $2 WHERE id = $1;

-- name: finish_redelivery
DELETE FROM events.redelivery WHERE webhook_id = $1 AND seq = $2;

-- The receiver answered (or there was nothing to send): no failure in a row any more, the
-- next event goes at once and a later failure starts the schedule from its first pause.
-- name: clear_failures
UPDATE events.webhook
   SET attempts = 0, failing_since = NULL, last_http_status = NULL, last_error = NULL, next_attempt_at = now()
 WHERE id = $1;

-- A failed attempt on the head event; it waits $2 seconds, from the clock now: the attempt's
-- transaction began before the POST, and now() is that start, which would cut the wait by
-- the POST's time. $3, $4: the receiver's status and the error.
-- name: defer_webhook
UPDATE events.webhook
   SET attempts = attempts + 1, failing_since = coalesce(failing_since, now()),
       last_http_status = $3, last_error = $4,
       next_attempt_at = clock_timestamp() + make_interval(secs => $2)
 WHERE id = $1;

-- The last attempt of the schedule failed: the webhook stops (its cursor stays on the
-- oldest undelivered event) until resume_webhook. $2, $3: the receiver's status and the error.
-- name: park_webhook
UPDATE events.webhook
   SET attempts = attempts + 1, failing_since = coalesce(failing_since, now()),
       last_http_status = $2, last_error = $3,
       parked_at = clock_timestamp(), next_attempt_at = clock_timestamp()
 WHERE id = $1;

-- Re-enables a parked webhook: the oldest undelivered event goes at once, the schedule starts
-- over; wakes the dispatchers (at commit). No row: it was not parked.
-- name: resume_webhook
WITH resumed AS (
    UPDATE events.webhook
       SET parked_at = NULL, attempts = 0, failing_since = NULL, last_http_status = NULL,
           last_error = NULL, next_attempt_at = now()
     WHERE id = $1 AND parked_at IS NOT NULL
    RETURNING id
)
SELECT id, pg_notify('hub_events', 'resume') FROM resumed;

-- The latest outcome of an event for a webhook ('parked', written before 0017 when events
-- were parked one by one, allows a redelivery).
-- name: last_status
SELECT status FROM events.delivery WHERE webhook_id = $1 AND seq = $2 ORDER BY id DESC LIMIT 1;

-- Queues a redelivery and wakes the dispatchers (delivered at commit).
-- name: request_redelivery
WITH queued AS (
    INSERT INTO events.redelivery (webhook_id, seq) VALUES ($1, $2)
    ON CONFLICT DO NOTHING
    RETURNING seq
)
SELECT pg_notify('hub_events', 'redeliver') FROM queued;

-- name: wake_dispatchers
SELECT pg_notify('hub_events', 'webhook');

-- The agency's active webhook, how far behind it is, and whether it is failing or parked.
-- name: webhook_status
SELECT w.id, w.url, w.created_at, w.last_seq, w.next_attempt_at,
       (SELECT count(*) FROM events.outbox o WHERE o.seq > w.last_seq) AS backlog,
       CASE WHEN w.parked_at IS NOT NULL THEN 'parked'
            WHEN w.attempts > 0 THEN 'retrying'
            ELSE 'delivering' END AS state,
       w.attempts AS failed_attempts, w.failing_since, w.last_http_status, w.last_error, w.parked_at
  FROM events.webhook w
 WHERE w.agency_id = $1 AND w.active;

-- Events whose latest outcome for the webhook is 'parked' (before 0017), oldest first; $2: at most.
-- name: parked_events
SELECT d.seq, o.kind, o.at AS happened_at, d.at AS parked_at, d.attempt AS attempts,
       d.http_status, d.error,
       EXISTS (SELECT FROM events.redelivery r WHERE r.webhook_id = d.webhook_id AND r.seq = d.seq)
           AS redelivery_requested
  FROM events.delivery d
  JOIN events.outbox o ON o.seq = d.seq
 WHERE d.webhook_id = $1 AND d.status = 'parked'
   AND NOT EXISTS (SELECT FROM events.delivery later
                    WHERE later.webhook_id = d.webhook_id AND later.seq = d.seq AND later.id > d.id)
 ORDER BY d.seq
 LIMIT $2;

-- Active webhooks and their undelivered events by state, for the metrics (at most 100,000
-- events counted per webhook: a scrape stays cheap however far one has fallen behind).
-- name: webhook_backlog
SELECT state, count(*)::int AS webhooks, coalesce(sum(backlog), 0)::bigint AS events
  FROM (SELECT CASE WHEN w.parked_at IS NOT NULL THEN 'parked'
                    WHEN w.attempts > 0 THEN 'retrying'
                    ELSE 'delivering' END AS state,
               (SELECT count(*) FROM (SELECT FROM events.outbox o WHERE o.seq > w.last_seq LIMIT 100000) s)
                   AS backlog
          FROM events.webhook w
         WHERE w.active) hooks
 GROUP BY state;

-- Parked webhooks of every agency, longest parked first; $1: at most.
-- name: parked_webhooks
SELECT a.code AS agency_code, a.name AS agency_name, w.url, w.parked_at, w.last_http_status, w.last_error,
       (SELECT count(*) FROM (SELECT FROM events.outbox o WHERE o.seq > w.last_seq LIMIT 100000) s) AS backlog
  FROM events.webhook w
  JOIN core.agency a ON a.id = w.agency_id
 WHERE w.active AND w.parked_at IS NOT NULL
 ORDER BY w.parked_at, w.id
 LIMIT $1;

-- A change to the sources that is not a list event (an applied ingest batch), announced as
-- an event is, at its commit: listeners wake (and find no new event), and read replicas
-- must replay past its WAL position before they answer again (hub.db.replicas).
-- name: announce_change
SELECT pg_notify('hub_events', 'change@' || pg_current_wal_insert_lsn()::text);
