-- Removed list entries in history, per entry and per list kind (issue 14). A removed entry
-- (Subject.listings(includeRemoved: true), EnforcementCase.listings) stays visible to:
--   * the platform operator: every entry;
--   * an agency whose kind publishes the entry's list kind (sanctions.list_kind.publisher_kinds):
--     courts the courts' lists, agriculture its blacklists, agriculture and tax the red list,
--     in any area, as courts always saw the courts' lists: the history of a list belongs to
--     the agencies that keep that list, and which of them removed an entry is in the record;
--   * and an entry removed by credit repair only under court.listing_visible_to's narrower
--     rule as well (its publisher's area, 0023_credit_repair.sql).
-- Nobody else. An entry still on its list: true (the field's policy decides). Fails closed:
-- an unknown viewer, listing or list kind sees no removed entry. The loaders
-- (sql/queries/court.sql, repair.sql) and the compiled planner (hub/planner/model) both ask
-- this function, so the two paths answer the same.
CREATE FUNCTION court.listing_history_visible_to(listing_id bigint, viewer bigint) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT coalesce((
        SELECT l.removed_on IS NULL
               OR ((v.kind = 'platform' OR v.kind = ANY (k.publisher_kinds))
                   AND court.listing_visible_to(l.id, v.id))
          FROM court.listing l
          LEFT JOIN sanctions.list_kind k ON k.code = l.list
          LEFT JOIN core.agency v ON v.id = viewer
         WHERE l.id = listing_id), false)
$$;
