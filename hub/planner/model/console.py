"""The web console's reads: console users (the operator's) and the dashboard's recent
interceptions (``hub.schema.console``)."""

from __future__ import annotations

from hub.db.queries import QUERIES
from hub.planner.model.base import ID_KEY, FieldSpec, Leaf, Listed, Paged, TypeSpec, col, named, own_agency


def _recent(first: int) -> int:
    from hub.schema.console import MAX_RECENT

    return max(1, min(first, MAX_RECENT))


ROOTS: dict[str, FieldSpec] = {
    # sql/queries/console.sql users_page: by id, with the agency's code.
    "consoleUsers": Paged(
        source=lambda t, b: f"console.app_user {t} JOIN core.agency {t}_a ON {t}_a.id = {t}.agency_id",
        where=lambda p, t, b: "true",
        scope="consoleUsers",
        keys=ID_KEY,
    ),
    # recent_interceptions: newest first, 1 to 100; the operator's of every agency, others their own.
    "recentInterceptions": Listed(
        source=named(
            QUERIES.console.recent_interceptions,
            own_agency,
            lambda b: b.value(lambda a, c: _recent(a["first"]), "bigint"),
        ),
        where=lambda p, t, b: "true",
        order=lambda t: f"{t}.id DESC",
    ),
}

TYPES: dict[str, TypeSpec] = {
    # A row of console.app_user joined with its agency (aliased <row>_a).
    "ConsoleUser": TypeSpec(
        {
            "username": Leaf(col("username")),
            "displayName": Leaf(col("display_name")),
            "role": Leaf(col("role")),
            "agencyCode": Leaf(lambda a: f"{a}_a.code"),
            "createdAt": Leaf(col("created_at")),
            "createdBy": Leaf(col("created_by")),
            "disabledAt": Leaf(col("disabled_at")),
            "lastLoginAt": Leaf(col("last_login_at")),
        }
    ),
    "InterceptionSummary": TypeSpec(
        {
            "id": Leaf(col("id")),
            "at": Leaf(col("at")),
            "agencyCode": Leaf(col("agency_code")),
            "matter": Leaf(col("matter")),
            "decision": Leaf(col("decision")),
            "regionCode": Leaf(col("region")),
            "hotelCode": Leaf(col("hotel_code")),
            "operator": Leaf(col("operator")),
            "outcome": Leaf(col("outcome")),
        }
    ),
}
