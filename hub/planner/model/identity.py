"""Held party mentions and their candidate links, for the platform operator
(``hub.schema.identity``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.planner.model.base import (
    ID_KEY,
    Embed,
    FieldSpec,
    Leaf,
    Listed,
    Paged,
    Related,
    TypeSpec,
    by_id,
    col,
    enum_value,
    subject,
)


def _mention(args: Mapping[str, Any]) -> int | None:
    from hub.schema.arguments import hub_id

    raw = args.get("mentionId")
    return None if raw is None else hub_id(str(raw), "mentionId")


def _check_mention(args: Mapping[str, Any], ctx: Any) -> None:
    _mention(args)


def _status(args: Mapping[str, Any]) -> str:
    status = enum_value(args["status"])
    assert status is not None
    return status


def _candidates(t: str, b: Any) -> str:
    """Candidate links with the code of the agency that decided them (aliased <row>_a), as
    sql/queries/identity.sql candidates_page and candidates_by_mentions read them."""
    return f"core.candidate_link {t} LEFT JOIN core.agency {t}_a ON {t}_a.id = {t}.decided_by"


ROOTS: dict[str, FieldSpec] = {
    # mentions_page: of a status, oldest (lowest id) first.
    "partyMentions": Paged(
        source=by_id("core.party_mention"),
        where=lambda p, t, b: f"{t}.status = {b.value(lambda a, c: _status(a), 'text')}",
        scope=lambda args: f"partyMentions:{_status(args)}",
        keys=ID_KEY,
    ),
    # candidates_page: of a status, optionally of one mention, by id.
    "candidateLinks": Paged(
        source=_candidates,
        where=lambda p, t, b: (
            f"{t}.status = {b.value(lambda a, c: _status(a), 'text')} AND "
            f"({b.value(lambda a, c: _mention(a), 'bigint')} IS NULL OR "
            f"{t}.mention_id = {b.value(lambda a, c: _mention(a), 'bigint')})"
        ),
        scope=lambda args: f"candidateLinks:{_status(args)}:{_mention(args) or ''}",
        keys=ID_KEY,
        check=_check_mention,
    ),
}

TYPES: dict[str, TypeSpec] = {
    "PartyMention": TypeSpec(
        {
            "id": Leaf(col("id")),
            "source": Leaf(col("source")),
            "role": Leaf(col("role")),
            "recordKey": Leaf(col("record_key")),
            "kind": Leaf(col("kind")),
            "name": Leaf(col("name")),
            # As the record gave it, in full: mentions are the operator's alone.
            "identifier": Leaf(col("identifier")),
            "birthDate": Leaf(col("birth_date")),
            "region": Embed(lambda a: f"{a}.region::text", absent=lambda a: f"{a}.region IS NULL"),
            "detail": Leaf(lambda a: f"{a}.detail::text"),
            "batchId": Leaf(col("batch_id")),
            "status": Leaf(col("status")),
            "createdAt": Leaf(col("created_at")),
            "resolvedAt": Leaf(col("resolved_at")),
            "subject": subject("subject_id"),
            # candidates_by_mentions: best score first, then by id.
            "candidates": Listed(
                source=_candidates,
                where=lambda p, t, b: f"{t}.mention_id = {p}.id",
                order=lambda t: f"{t}.score DESC, {t}.id",
            ),
        }
    ),
    # A row of core.candidate_link joined with the deciding agency (aliased <row>_a).
    "CandidateLink": TypeSpec(
        {
            "id": Leaf(col("id")),
            "score": Leaf(col("score")),
            "agreed": Leaf(col("agreed")),
            "explanation": Leaf(col("explanation")),
            "status": Leaf(col("status")),
            "proposedAt": Leaf(col("proposed_at")),
            "decidedBy": Leaf(lambda a: f"{a}_a.code"),
            "operator": Leaf(col("operator")),
            "decidedAt": Leaf(col("decided_at")),
            "reason": Leaf(col("reason")),
            "mention": Related(source=by_id("core.party_mention"), where=lambda p, t, b: f"{t}.id = {p}.mention_id"),
            "subject": subject("subject_id"),
        }
    ),
}
