-- The web console: users, sessions, failed logins.

-- name: insert_user
INSERT INTO console.app_user (agency_id, username, display_name, role, password_hash, created_by)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id;

-- A user with the agency it acts for; the hash only for checking a password.
-- name: user_by_username
SELECT u.id, u.username, u.display_name, u.role, u.password_hash, u.disabled_at,
       a.id AS agency_id, a.code AS agency_code, a.name AS agency_name, a.kind, a.region, a.role AS agency_role
  FROM console.app_user u
  JOIN core.agency a ON a.id = u.agency_id
 WHERE u.username = $1;

-- name: users_page
SELECT u.id, u.username, u.display_name, u.role, u.created_at, u.created_by, u.disabled_at, u.last_login_at,
       a.code AS agency_code
  FROM console.app_user u
  JOIN core.agency a ON a.id = u.agency_id
 WHERE u.id > $1
 ORDER BY u.id
 LIMIT $2;

-- name: user_by_id
SELECT u.id, u.username, u.display_name, u.role, u.created_at, u.created_by, u.disabled_at, u.last_login_at,
       a.code AS agency_code
  FROM console.app_user u
  JOIN core.agency a ON a.id = u.agency_id
 WHERE u.id = $1;

-- Disabling also ends every session of the user.
-- name: disable_user
WITH disabled AS (
    UPDATE console.app_user SET disabled_at = coalesce(disabled_at, now())
     WHERE username = $1
    RETURNING id
), ended AS (
    DELETE FROM console.session WHERE user_id IN (SELECT id FROM disabled)
)
SELECT id FROM disabled;

-- name: set_password
UPDATE console.app_user SET password_hash = $2 WHERE id = $1;

-- name: touch_login
UPDATE console.app_user SET last_login_at = now() WHERE id = $1;

-- name: lockout_of
SELECT failures, locked_until, locked_until > now() AS locked
  FROM console.login_failure
 WHERE username = $1;

-- One more failure; failures older than $2 seconds are forgotten first.
-- name: record_failure
INSERT INTO console.login_failure AS f (username, failures, last_at)
VALUES ($1, 1, now())
ON CONFLICT (username) DO UPDATE
   SET failures = CASE WHEN f.last_at < now() - make_interval(secs => $2) THEN 1 ELSE f.failures + 1 END,
       last_at = now()
RETURNING failures;

-- name: lock_username
UPDATE console.login_failure
   SET failures = 0, locked_until = now() + make_interval(secs => $2)
 WHERE username = $1
RETURNING locked_until;

-- name: clear_failures
DELETE FROM console.login_failure WHERE username = $1;

-- name: insert_session
INSERT INTO console.session (id_hash, user_id, expires_at, client)
VALUES ($1, $2, now() + make_interval(secs => $3), $4);

-- The user and agency behind a live session of an enabled user.
-- name: session_principal
SELECT u.id AS user_id, u.username, u.display_name, u.role,
       a.id AS agency_id, a.code AS agency_code, a.name AS agency_name, a.kind, a.region, a.role AS agency_role
  FROM console.session s
  JOIN console.app_user u ON u.id = s.user_id
  JOIN core.agency a ON a.id = u.agency_id
 WHERE s.id_hash = $1
   AND s.expires_at > now()
   AND u.disabled_at IS NULL;

-- name: delete_session
DELETE FROM console.session WHERE id_hash = $1;

-- name: delete_expired_sessions
DELETE FROM console.session WHERE expires_at <= now();

-- The latest interceptions, newest first: of one agency ($1), or of all when $1 is null.
-- No subject data: what the dashboard lists for everyone.
-- name: recent_interceptions
SELECT i.id, i.at, a.code AS agency_code, i.matter, i.decision, i.region, i.operator,
       i.context ->> 'hotel_code' AS hotel_code,
       (SELECT f.outcome FROM sanctions.feedback f
         WHERE f.interception_id = i.id ORDER BY f.id DESC LIMIT 1) AS outcome
  FROM sanctions.interception i
  JOIN core.agency a ON a.id = i.agency_id
 WHERE $1::bigint IS NULL OR i.agency_id = $1
 ORDER BY i.id DESC
 LIMIT $2;

-- Moves whenever an interception or a sanction report is written (the dashboard's tick).
-- name: activity_marker
SELECT (SELECT coalesce(max(id), 0) FROM sanctions.interception) AS interceptions,
       (SELECT coalesce(max(id), 0) FROM sanctions.feedback) AS feedback,
       (SELECT coalesce(max(seq), 0) FROM events.outbox) AS changes;

-- Rewards granted next to punishments over the dashboard's days [$1, $2) (China time), of one
-- agency or of all when $3 is NULL: screened identities whose decision granted a reward
-- (comparison_count.rewards, reason REWARDED) and BLOCK interceptions.
-- name: rewards_and_punishments
SELECT (SELECT coalesce(sum(rewards), 0)::bigint FROM sanctions.comparison_count
         WHERE day >= $1 AND day < $2 AND ($3::bigint IS NULL OR agency_id = $3)) AS rewards,
       (SELECT count(*) FROM sanctions.interception
         WHERE at >= ($1::date::timestamp AT TIME ZONE 'Asia/Shanghai')
           AND at < ($2::date::timestamp AT TIME ZONE 'Asia/Shanghai')
           AND decision = 'BLOCK' AND ($3::bigint IS NULL OR agency_id = $3)) AS punishments;

-- The console's publishing pages (hub.console.publishing).
-- The current ratings an agency published, newest first.
-- name: agency_current_ratings
SELECT r.id, s.code AS scheme, r.level_code AS level, r.rated_on, r.expires_on, sub.kind, sub.identifier,
       sub.name
  FROM ratings.rating r
  JOIN ratings.scheme s ON s.id = r.scheme_id
  JOIN core.subject sub ON sub.id = r.subject_id
 WHERE r.rated_by = $1 AND r.withdrawn_at IS NULL AND r.superseded_by IS NULL
   AND r.expires_on > (now() AT TIME ZONE 'Asia/Shanghai')::date
 ORDER BY r.id DESC
 LIMIT $2;

-- The list kinds an agency kind publishes on a decision document (not the courts' case lists).
-- name: publishable_list_kinds
SELECT code, name_zh, name_en, nature, default_term_months, max_term_months, removal_reasons
  FROM sanctions.list_kind
 WHERE $1 = ANY (publisher_kinds) AND NOT case_based
 ORDER BY nature, code;

-- The entries an agency published that are not removed, newest first (the term is checked by
-- the caller: an entry past its term is inactive before expiry marks it).
-- name: agency_open_listings
SELECT l.id, l.list, l.published_on, l.term_months, l.extended_months, l.basis_document, sub.kind,
       sub.identifier, sub.name
  FROM court.listing l
  JOIN core.subject sub ON sub.id = l.subject_id
 WHERE l.publisher_id = $1 AND l.removed_on IS NULL
 ORDER BY l.id DESC
 LIMIT $2;
