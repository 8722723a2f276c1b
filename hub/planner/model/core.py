"""Subjects (persons and organisations), their regions, and the root fields that find them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hub.errors import InvalidInput
from hub.identity import parse_resident_id, parse_uscc
from hub.planner.model.base import (
    ID_KEY,
    SUBJECT_SOURCE,
    Abstract,
    Embed,
    FieldSpec,
    Identifier,
    Leaf,
    Listed,
    Paged,
    Related,
    TypeSpec,
    by_id,
    col,
    same,
)
from hub.planner.model.court import history_visible

if TYPE_CHECKING:
    from hub.planner.compile import Binder


def _listings_scope(args: Mapping[str, Any]) -> str:
    return f"Subject.listings:{int(bool(args.get('includeRemoved')))}"


def _check_listings(args: Mapping[str, Any], ctx: Any) -> None:
    from hub.schema.core import REMOVED_REFUSED, sees_removed_policy

    if args.get("includeRemoved") and not sees_removed_policy(ctx.policy):
        raise InvalidInput(REMOVED_REFUSED, argument="includeRemoved")


SUBJECT_FIELDS: dict[str, FieldSpec] = {
    "id": Leaf(col("id")),
    "kind": Leaf(col("kind")),
    "name": Leaf(col("name")),
    "region": Embed(col("region")),
    "listings": Paged(
        source=by_id("court.listing"),
        where=lambda p, t, b: (
            f"{t}.subject_id = {p}.id AND ({b.value(lambda a, c: bool(a.get('includeRemoved')), 'boolean')} "
            f"OR {t}.removed_on IS NULL) AND {history_visible(t, b)}"
        ),
        scope=_listings_scope,
        keys=ID_KEY,
        check=_check_listings,
    ),
    "cases": Paged(
        source=lambda t, b: f"court.case_party {t}_p JOIN court.enforcement_case {t} ON {t}.id = {t}_p.case_id",
        where=lambda p, t, b: f"{t}_p.subject_id = {p}.id",
        scope="Subject.cases",
        keys=((lambda t: f"{t}_p.case_id", False),),
    ),
    "realEstate": Paged(
        source=lambda t, b: f"land.ownership {t} JOIN land.real_estate {t}_e ON {t}_e.id = {t}.estate_id",
        where=same("subject_id"),
        scope="Subject.realEstate",
        keys=((col("estate_id"), False),),
    ),
    # Compiled only while the police source is local (a remote source is asked at query time).
    "vehicles": Paged(source=by_id("police.vehicle"), where=same("owner_id"), scope="Subject.vehicles", keys=ID_KEY),
    "shareholdings": Paged(
        source=by_id("market.shareholding"),
        where=same("holder_id"),
        scope="Subject.shareholdings",
        keys=((col("company_id"), False),),
    ),
}


def internal_id(raw: Any, argument: str) -> int:
    """hub.schema.query._internal_id: a subject id the hub issued, or InvalidInput."""
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if value < 1 or value >= 2**63:
        raise InvalidInput(f"{argument} must be a subject id issued by the hub", argument=argument)
    return value


def _subject_ids(args: Mapping[str, Any], ctx: Any) -> list[int]:
    from hub.schema.query import MAX_IDS

    ids = args["ids"]
    if len(ids) > MAX_IDS:
        raise InvalidInput(f"at most {MAX_IDS} ids per request, got {len(ids)}", argument="ids")
    try:  # the usual case, all at once; any doubt: each id as the resolver checks it
        values = [int(i) for i in ids]
        if not values or (min(values) >= 1 and max(values) < 2**63):
            return values
    except ValueError:
        pass
    return [internal_id(i, "ids") for i in ids]


def _search_name(args: Mapping[str, Any]) -> str:
    return str(args["name"]).strip()


def _search_check(args: Mapping[str, Any], ctx: Any) -> None:
    name = _search_name(args)
    if not name or len(name) > 100:
        raise InvalidInput("name must have 1 to 100 characters", argument="name")


def _search_kind(args: Mapping[str, Any]) -> str | None:
    kind = args.get("kind")
    return None if kind is None else str(kind.value if hasattr(kind, "value") else kind)


def _search_source(t: str, b: Binder) -> str:
    """sql/queries/core.sql search_subjects: exact, partial, then similar names."""
    from hub.sources.core import like_escape

    n = b.value(lambda a, c: _search_name(a), "text")
    pattern = b.value(lambda a, c: like_escape(_search_name(a)), "text")
    k = b.value(lambda a, c: _search_kind(a), "text")
    rank = (
        f"CASE WHEN s.name = {n} THEN 2.0 WHEN strpos(s.name, {n}) > 0 THEN 1.0 + similarity(s.name, {n}) "
        f"ELSE similarity(s.name, {n}) END::float8"
    )
    matches = f"(s.name = {n} OR s.name LIKE '%' || {pattern} || '%' OR s.name % {n})"
    return f"(SELECT s.*, {rank} AS rank FROM core.subject s WHERE {matches} AND ({k} IS NULL OR s.kind = {k})) {t}"


def _search_after(t: str, b: Binder) -> str:
    rank = b.after(lambda value: float(value[0]), "float8")
    last = b.after(lambda value: int(value[1]), "bigint")
    return f"({rank} IS NULL OR ({t}.rank, -{t}.id) < ({rank}, -{last}))"


ROOTS: dict[str, FieldSpec] = {
    "subject": Related(
        source=SUBJECT_SOURCE,
        where=lambda p, t, b: f"{t}.id = {b.value(lambda a, c: internal_id(a['id'], 'id'), 'bigint')}",
    ),
    "subjects": Listed(
        source=lambda t, b: (
            f"unnest({b.value(_subject_ids, 'bigint[]')}) WITH ORDINALITY {t}_u(id, ord) "
            f"LEFT JOIN core.subject {t} ON {t}.id = {t}_u.id"
        ),
        where=lambda p, t, b: "true",
        order=lambda t: f"{t}_u.ord",
    ),
    "subjectByResidentId": Related(
        source=SUBJECT_SOURCE,
        where=lambda p, t, b: (
            f"{t}.identifier = {b.value(lambda a, c: parse_resident_id(a['residentId']).number, 'text')} "
            f"AND {t}.kind = 'person'"
        ),
    ),
    "subjectByUscc": Related(
        source=SUBJECT_SOURCE,
        where=lambda p, t, b: (
            f"{t}.identifier = {b.value(lambda a, c: parse_uscc(a['uscc']).code, 'text')} AND {t}.kind = 'organisation'"
        ),
    ),
    "searchSubjects": Paged(
        source=_search_source,
        where=lambda p, t, b: "true",
        scope=lambda args: f"searchSubjects:{_search_name(args)}:{_search_kind(args) or ''}",
        keys=((col("rank"), True), (col("id"), False)),
        cursor=lambda y: f"'[' || core.json_float({y}.k0) || ',' || {y}.k1 || ']'",
        after=_search_after,
        check=_search_check,
    ),
}

TYPES: dict[str, TypeSpec] = {
    "Person": TypeSpec(
        {
            **SUBJECT_FIELDS,
            "sex": Leaf(col("sex")),
            "birthDate": Leaf(col("birth_date")),
            "residentId": Identifier("resident_id", col("identifier")),
            "directorships": Paged(
                source=by_id("market.directorship"), where=same("person_id"), scope="Person.directorships", keys=ID_KEY
            ),
        },
        subject=True,
    ),
    "Organisation": TypeSpec(
        {
            **SUBJECT_FIELDS,
            "uscc": Identifier("uscc", col("identifier")),
            "registration": Related(source=by_id("market.company"), where=same("subject_id")),
            # The first legal representative registered, if a person (hub.schema.core).
            "legalRepresentative": Related(
                source=SUBJECT_SOURCE,
                where=lambda p, t, b: (
                    f"{t}.id = (SELECT d.person_id FROM market.directorship d WHERE d.company_id = {p}.id "
                    f"AND d.role = 'legal_representative' ORDER BY d.id LIMIT 1) AND {t}.kind = 'person'"
                ),
            ),
            "actualControllers": Listed(
                source=lambda t, b: f"market.directorship {t}_d JOIN core.subject {t} ON {t}.id = {t}_d.person_id",
                where=lambda p, t, b: f"{t}_d.company_id = {p}.id AND {t}_d.role = 'actual_controller'",
                order=lambda t: f"{t}_d.id",
            ),
            "officers": Listed(source=by_id("market.directorship"), where=same("company_id"), order=col("id")),
            "shareholders": Paged(
                source=by_id("market.shareholding"),
                where=same("company_id"),
                scope="Organisation.shareholders",
                keys=((col("holder_id"), False),),
            ),
        },
        subject=True,
    ),
    # A division code; its name as hub.identity.region_name gives it (migration 0015).
    "Region": TypeSpec({"code": Leaf(lambda a: a), "name": Leaf(lambda a: f"core.region_name({a})")}),
}

ABSTRACT: dict[str, Abstract] = {
    "Subject": Abstract(col("kind"), {"person": "Person", "organisation": "Organisation"}),
}
