-- The outbox of list changes, and the webhooks that push it to agencies.

-- Emitters take this lock (held to their commit) before drawing a sequence number, so
-- events commit in sequence order: a reader that has seen seq n will never later find a
-- smaller one appear, and may keep "the last seq I handled" as its only cursor.
-- name: lock_outbox
SELECT pg_advisory_xact_lock(7202611281);

-- Appends an event in the caller's transaction; NOTIFY is delivered when it commits.
-- name: insert_event
WITH inserted AS (
    INSERT INTO events.outbox (kind, listing_id, subject_id, payload)
    VALUES ($1, $2, $3, $4::jsonb)
    RETURNING seq
)
SELECT seq, pg_notify('hub_events', seq::text) FROM inserted;

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
SELECT id, url, last_seq FROM events.webhook WHERE agency_id = $1 AND active;

-- wait_s: seconds until the webhook's next attempt is due (<= 0: now).
-- name: active_webhook_ids
SELECT id, extract(epoch FROM next_attempt_at - now())::float8 AS wait_s
  FROM events.webhook WHERE active ORDER BY id;

-- Claims one webhook for a delivery: the row lock is held to the end of the transaction,
-- so no two hub processes deliver for one agency at once; a busy webhook is skipped.
-- name: claim_webhook
SELECT w.id, w.agency_id, w.url, w.secret, w.last_seq, w.next_attempt_at,
       a.code AS agency_code, a.name AS agency_name, a.kind AS agency_kind,
       a.region AS agency_region, a.role AS agency_role
  FROM events.webhook w
  JOIN core.agency a ON a.id = w.agency_id
 WHERE w.id = $1 AND w.active AND w.next_attempt_at <= now()
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

-- The event at the head is done (delivered, parked or not for this agency): move on.
-- name: advance_webhook
UPDATE events.webhook SET last_seq = $2, next_attempt_at = now() WHERE id = $1;

-- name: finish_redelivery
DELETE FROM events.redelivery WHERE webhook_id = $1 AND seq = $2;

-- $2: seconds until the next attempt, from the clock now: the attempt's transaction began
-- before the POST, and now() is that start, which would cut the wait by the POST's time.
-- name: defer_webhook
UPDATE events.webhook SET next_attempt_at = clock_timestamp() + make_interval(secs => $2) WHERE id = $1;

-- The latest outcome of an event for a webhook ('parked' allows a redelivery).
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

-- The agency's active webhook and how far behind it is.
-- name: webhook_status
SELECT w.id, w.url, w.created_at, w.last_seq, w.next_attempt_at,
       (SELECT count(*) FROM events.outbox o WHERE o.seq > w.last_seq) AS backlog
  FROM events.webhook w
 WHERE w.agency_id = $1 AND w.active;

-- Events whose latest outcome for the webhook is 'parked', oldest first; $2: at most.
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
