-- The integrity score (hub.sanctions.score): rule sets, their rules, and the items of a score.
-- A day is China Standard Time's date, as for listings and ratings.

-- Published rule sets, newest effective first.
-- name: rule_sets
SELECT version, effective_from, base_score, min_score, max_score, description, source_note, published_at
  FROM score.rule_set
 WHERE published_at IS NOT NULL
 ORDER BY effective_from DESC, published_at DESC, version;

-- The rules of some published rule sets, in order, with what each matches by name.
-- name: rules_of
SELECT r.version, r.code, r.position, r.fact, r.list_kind, s.code AS scheme, r.level_code, r.outcome,
       r.window_months, r.points, r.cap, r.description, r.legal_basis
  FROM score.rule r
  LEFT JOIN ratings.scheme s ON s.id = r.scheme_id
 WHERE r.version = ANY($1::text[])
 ORDER BY r.version, r.position;

-- The items of subject $1's score under rule set $2 as of $3: every fact the hub holds that a
-- rule of the set matches, with the points it counts. Facts are what held at $3: listings
-- active on its day, ratings current then (published by then, neither superseded nor withdrawn
-- by then), feedback that occurred and was recorded by then within the rule's window. Within a
-- rule, facts count in date order until the rule's cap is reached: the item that reaches it
-- counts what is left, later ones count 0 (capped). The score is the set's base plus the sum.
-- name: score_items
WITH asked AS (
    SELECT $2::text AS version, $3::timestamptz AS at, ($3::timestamptz AT TIME ZONE 'Asia/Shanghai')::date AS day
), facts AS (
    SELECT r.code, r.position, r.points, r.cap, r.fact, l.published_on::timestamptz AS fact_at, l.id AS fact_id,
           l.list AS list_kind, l.id AS listing_id, l.published_on,
           NULL::text AS scheme, NULL::text AS level_code, NULL::bigint AS rating_id,
           NULL::date AS rated_on, NULL::date AS expires_on,
           NULL::text AS outcome, NULL::bigint AS interception_id, NULL::timestamptz AS occurred_at
      FROM asked a
      JOIN score.rule r ON r.version = a.version AND r.fact = 'listing'
      JOIN court.listing l ON l.subject_id = $1 AND l.list = r.list_kind
       AND court.listing_active_on(l.published_on, l.term_months, l.extended_months, l.removed_on, a.day)
    UNION ALL
    SELECT r.code, r.position, r.points, r.cap, r.fact, g.rated_on::timestamptz, g.id,
           NULL, NULL, NULL,
           s.code, g.level_code, g.id, g.rated_on, g.expires_on,
           NULL, NULL, NULL
      FROM asked a
      JOIN score.rule r ON r.version = a.version AND r.fact = 'rating'
      JOIN ratings.rating g ON g.subject_id = $1 AND g.scheme_id = r.scheme_id AND g.level_code = r.level_code
       AND g.rated_on <= a.day AND g.expires_on > a.day AND g.created_at <= a.at
       AND (g.superseded_at IS NULL OR g.superseded_at > a.at)
       AND (g.withdrawn_at IS NULL OR g.withdrawn_at > a.at)
      JOIN ratings.scheme s ON s.id = g.scheme_id
    UNION ALL
    SELECT r.code, r.position, r.points, r.cap, r.fact, f.occurred_at, f.id,
           NULL, NULL, NULL,
           NULL, NULL, NULL, NULL, NULL,
           f.outcome, i.id, f.occurred_at
      FROM asked a
      JOIN score.rule r ON r.version = a.version AND r.fact = 'feedback'
      JOIN sanctions.interception i ON i.subject_id = $1
      JOIN sanctions.feedback f ON f.interception_id = i.id AND f.outcome = r.outcome
       AND f.occurred_at <= a.at AND f.recorded_at <= a.at
       AND f.occurred_at > a.at - make_interval(months => r.window_months)
), counted AS (
    SELECT f.*,
           coalesce(sum(abs(f.points)) OVER (PARTITION BY f.code ORDER BY f.fact_at, f.fact_id
                                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
      FROM facts f
)
SELECT code, fact, points AS rule_points,
       sign(points)::int * greatest(0, least(abs(points), coalesce(cap - before, abs(points))))::int AS points,
       cap IS NOT NULL AND before + abs(points) > cap AS capped,
       list_kind, listing_id, published_on, scheme, level_code, rating_id, rated_on, expires_on,
       outcome, interception_id, occurred_at
  FROM counted
 ORDER BY position, fact_at, fact_id;
