"""Courts, enforcement cases and list entries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.planner.model.base import (
    Dated,
    FieldSpec,
    Leaf,
    Listed,
    Paged,
    Related,
    TypeSpec,
    by_id,
    case,
    col,
    same,
    subject,
)

if TYPE_CHECKING:
    from hub.planner.compile import Binder


def _expires(a: str) -> str:
    # Listing.expires_on: Python's _add_months clamps to the month's last day, as date +
    # interval does.
    return (
        f"CASE WHEN {a}.term_months IS NULL THEN NULL "
        f"ELSE ({a}.published_on + make_interval(months => {a}.term_months + {a}.extended_months))::date END"
    )


def _removed_hidden(t: str, sees_removed: bool, b: Binder) -> str:
    if not sees_removed:
        return f"{t}.removed_on IS NULL"
    return history_visible(t, b)


def history_visible(t: str, b: Binder) -> str:
    """Removed entries only where the reading agency may see them in history, per entry and list
    kind (court.listing_history_visible_to, as the loaders ask)."""
    viewer = b.value(lambda a, c: c.principal.agency_id, "bigint")
    return f"({t}.removed_on IS NULL OR court.listing_history_visible_to({t}.id, {viewer}))"


ROOTS: dict[str, FieldSpec] = {
    "enforcementCase": Related(
        source=by_id("court.enforcement_case"),
        where=lambda p, t, b: (
            f"{t}.case_number = "
            f"{b.value(lambda a, c: a['caseNumber'].strip().replace('（', '(').replace('）', ')'), 'text')}"
        ),
    ),
}

TYPES: dict[str, TypeSpec] = {
    "Court": TypeSpec(
        {
            "code": Leaf(col("code")),
            "name": Leaf(col("name")),
            "level": Leaf(col("level")),
            "regionCode": Leaf(col("region")),
        }
    ),
    "EnforcementCase": TypeSpec(
        {
            "id": Leaf(col("id")),
            "caseNumber": Leaf(col("case_number")),
            "filedOn": Leaf(col("filed_on")),
            "basisDocument": Leaf(col("basis_document")),
            "basisIssuer": Leaf(col("basis_issuer")),
            "obligation": Leaf(col("obligation")),
            "amount": Leaf(col("amount")),
            "performance": Leaf(col("performance")),
            "performedAmount": Leaf(col("performed_amount")),
            "court": Related(source=by_id("court.court"), where=lambda p, t, b: f"{t}.code = {p}.court_code"),
            "subjects": Paged(
                source=lambda t, b: f"court.case_party {t}_p JOIN core.subject {t} ON {t}.id = {t}_p.subject_id",
                where=lambda p, t, b: f"{t}_p.case_id = {p}.id",
                scope="EnforcementCase.subjects",
                keys=((lambda t: f"{t}_p.subject_id", False),),
            ),
            "listings": Listed(
                source=by_id("court.listing"), where=same("case_id"), order=col("id"), hidden=_removed_hidden
            ),
            "interceptions": Listed(
                source=by_id("sanctions.interception"),
                where=lambda p, t, b: f"{t}.case_ids @> ARRAY[{p}.id]",
                order=col("id"),
            ),
        }
    ),
    "Listing": TypeSpec(
        {
            "id": Leaf(col("id")),
            "list": Leaf(col("list")),
            "circumstance": Leaf(col("circumstance")),
            "publishedOn": Leaf(col("published_on")),
            "termMonths": Leaf(col("term_months")),
            "extendedMonths": Leaf(col("extended_months")),
            "removedOn": Leaf(col("removed_on")),
            "removalReason": Leaf(col("removal_reason")),
            "version": Leaf(col("version")),
            "basisDocument": Leaf(col("basis_document")),
            "publisherCode": Leaf(lambda a: f"(SELECT pa.code FROM core.agency pa WHERE pa.id = {a}.publisher_id)"),
            "publisherName": Leaf(lambda a: f"(SELECT pa.name FROM core.agency pa WHERE pa.id = {a}.publisher_id)"),
            "expiresOn": Leaf(_expires),
            "active": Dated(lambda a, today: f"({a}.removed_on IS NULL AND coalesce({_expires(a)} > {today}, true))"),
            "case": case("case_id"),
            "subject": subject("subject_id"),
        }
    ),
}
