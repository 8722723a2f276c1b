"""Agencies' trusted documents (``hub.schema.documents``): an agency lists its own, the
operator any agency's (another agency's code is looked up by the resolver: the executor)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.errors import Forbidden
from hub.planner.model.base import FieldSpec, Leaf, Listed, TypeSpec, col, named_agency


def _agency(args: Mapping[str, Any], ctx: Any) -> int:
    code = args.get("agencyCode") or ctx.principal.agency_code
    if code != ctx.principal.agency_code and not ctx.policy.operator:
        raise Forbidden("an agency lists its own documents; the platform operator any agency's")
    found = named_agency(code, ctx)
    assert found is not None
    return found


def _check(args: Mapping[str, Any], ctx: Any) -> None:
    _agency(args, ctx)


ROOTS: dict[str, FieldSpec] = {
    # sql/queries/documents.sql of_agency: in the order registered, revoked ones on request.
    "trustedDocuments": Listed(
        source=lambda t, b: f"core.trusted_document {t} JOIN core.agency {t}_a ON {t}_a.id = {t}.agency_id",
        where=lambda p, t, b: (
            f"{t}.agency_id = {b.value(_agency, 'bigint')} "
            f"AND ({b.value(lambda a, c: bool(a['includeRevoked']), 'boolean')} OR {t}.revoked_at IS NULL)"
        ),
        order=col("id"),
        check=_check,
    ),
}

TYPES: dict[str, TypeSpec] = {
    # A row of core.trusted_document with its agency (aliased <row>_a): the code asked for.
    "TrustedDocument": TypeSpec(
        {
            "id": Leaf(lambda a: f"('sha256:' || {a}.hash)"),  # hub.documents.document_id
            "agencyCode": Leaf(lambda a: f"{a}_a.code"),
            "operations": Leaf(col("operations")),
            "registeredAt": Leaf(col("registered_at")),
            "registeredBy": Leaf(col("registered_by")),
            "revokedAt": Leaf(col("revoked_at")),
            "document": Leaf(col("body")),
        }
    ),
}
