"""Linked agencies and their API keys (the platform operator's): ``hub.schema.admin``."""

from __future__ import annotations

from hub.planner.model.base import ID_KEY, FieldSpec, Leaf, Listed, Paged, Related, TypeSpec, by_id, col, same

ROOTS: dict[str, FieldSpec] = {
    # sql/queries/agencies.sql agencies_page: by id, after the cursor's id.
    "agencies": Paged(source=by_id("core.agency"), where=lambda p, t, b: "true", scope="agencies", keys=ID_KEY),
    # agency_by_code (codes are unique).
    "agency": Related(
        source=by_id("core.agency"),
        where=lambda p, t, b: f"{t}.code = {b.value(lambda a, c: a['code'], 'text')}",
    ),
}

TYPES: dict[str, TypeSpec] = {
    "Agency": TypeSpec(
        {
            "code": Leaf(col("code")),
            "name": Leaf(col("name")),
            "kind": Leaf(col("kind")),
            "role": Leaf(col("role")),
            "regionCode": Leaf(col("region")),
            "mode": Leaf(col("mode")),
            "createdAt": Leaf(col("created_at")),
            "trustedDocumentsOnly": Leaf(col("trusted_documents_only")),
            # keys_of_agency: newest first, active and revoked.
            "apiKeys": Listed(source=by_id("core.api_key"), where=same("agency_id"), order=lambda t: f"{t}.id DESC"),
        }
    ),
    "ApiKey": TypeSpec(
        {
            "label": Leaf(col("label")),
            "prefix": Leaf(col("prefix")),
            "createdAt": Leaf(col("created_at")),
            "revokedAt": Leaf(col("revoked_at")),
        }
    ),
}
