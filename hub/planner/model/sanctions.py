"""Interceptions and what agencies reported about them; the statistics built on them and the
catalogue of matters and measures (``hub.schema.sanctions``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.db.queries import QUERIES
from hub.planner.model.base import (
    FieldSpec,
    Leaf,
    Listed,
    TypeSpec,
    argument,
    by_id,
    col,
    named,
    own_agency,
    same,
    subject,
)


def _period(args: Mapping[str, Any], ctx: Any) -> None:
    from hub.sanctions.interceptions import check_period

    check_period(args["since"], args["until"])


def _all(p: str, t: str, b: Any) -> str:
    return "true"


ROOTS: dict[str, FieldSpec] = {
    # sql/queries/sanctions.sql province_statistics: every day of the period, in order.
    "provinceStatistics": Listed(
        source=named(QUERIES.sanctions.province_statistics, argument("since", "date"), argument("until", "date")),
        where=_all,
        order=col("day"),
        check=_period,
    ),
    "matters": Listed(source=named(QUERIES.sanctions.matters), where=_all, order=col("code")),
    # sql/queries/screening.sql catalogue_measures.
    "measures": Listed(source=named(QUERIES.screening.catalogue_measures), where=_all, order=col("code")),
    # statistics: the operator sees every agency, others their own; ORDER BY 1, 2, 3, 4.
    "sanctionStatistics": Listed(
        source=named(QUERIES.sanctions.statistics, argument("since", "date"), argument("until", "date"), own_agency),
        where=_all,
        order=lambda t: f"{t}.day, {t}.agency_code, {t}.matter, {t}.region",
        check=_period,
    ),
}

TYPES: dict[str, TypeSpec] = {
    "Interception": TypeSpec(
        {
            "id": Leaf(col("id")),
            "at": Leaf(col("at")),
            "matter": Leaf(col("matter")),
            "decision": Leaf(col("decision")),
            "reasons": Leaf(col("reasons")),
            "operator": Leaf(col("operator")),
            "subject": subject("subject_id"),
            "feedback": Listed(source=by_id("sanctions.feedback"), where=same("interception_id"), order=col("id")),
        }
    ),
    "SanctionFeedback": TypeSpec(
        {
            "id": Leaf(col("id")),
            "outcome": Leaf(col("outcome")),
            "reason": Leaf(col("reason")),
            "businessReference": Leaf(col("business_reference")),
            "occurredAt": Leaf(col("occurred_at")),
            "recordedAt": Leaf(col("recorded_at")),
            "operator": Leaf(col("operator")),
        }
    ),
    "ProvinceDay": TypeSpec(
        {
            "day": Leaf(col("day")),
            "queries": Leaf(col("queries")),
            "comparisons": Leaf(col("comparisons")),
            "interceptions": Leaf(col("interceptions")),
            "sanctions": Leaf(col("sanctions")),
            "debtorsPaid": Leaf(col("debtors_paid")),
        }
    ),
    "SanctionDay": TypeSpec(
        {
            "day": Leaf(col("day")),
            "agencyCode": Leaf(col("agency_code")),
            "matter": Leaf(col("matter")),
            "regionCode": Leaf(col("region")),
            "comparisons": Leaf(col("comparisons")),
            "interceptions": Leaf(col("interceptions")),
            "blocks": Leaf(col("blocks")),
            "reviews": Leaf(col("reviews")),
            "sanctions": Leaf(col("sanctions")),
            "debtorsPaid": Leaf(col("debtors_paid")),
        }
    ),
    "Matter": TypeSpec({"code": Leaf(col("code")), "name": Leaf(col("name")), "description": Leaf(col("description"))}),
    "Measure": TypeSpec(
        {
            "code": Leaf(col("code")),
            "name": Leaf(col("name")),
            "list": Leaf(col("list")),
            "listKinds": Leaf(col("list_kinds")),
            "nature": Leaf(col("nature")),
            "legalBasis": Leaf(col("legal_basis")),
            "basisText": Leaf(col("basis_text")),
            "description": Leaf(col("description")),
            "matters": Leaf(col("matters")),
            "agencyKinds": Leaf(col("agency_kinds")),
            "hotelMinStars": Leaf(col("hotel_min_stars")),
            "reaches": Leaf(col("reaches")),
        }
    ),
}
