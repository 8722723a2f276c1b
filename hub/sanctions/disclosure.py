"""Public disclosure (信息公示): what the law makes public about a subject, to anyone who
names the subject exactly.

A search needs the exact name plus the full identifier (an 18-character resident ID or USCC,
checksum-valid) or a case number: it is a lookup, never browsing. It answers the entries in
force of the public lists, as the courts publish them: name, identifier (a resident ID with
its birth month and day hidden; an organisation's USCC is public), list, and then either
(a court list) case number, executing court, filing date, the enforcement basis (document and
issuing unit), the duty it set and its performance, the circumstance; or (a sector blacklist,
the red list: no case) the publishing agency and its decision document; and the publication
date. Nothing of assets, other lists or other agencies. A name that is not the subject's exact
name answers exactly what an unknown identifier does: no public record.

Which list kinds are public is data, ONE flag: ``sanctions.list_kind.public`` (0019):
the courts' dishonest list, agriculture's sector blacklists and the red list; not the
consumption-restriction list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from hub.db.database import Database
from hub.errors import InvalidIdentifier, InvalidInput
from hub.identity import mask_resident_id, parse_resident_id, parse_uscc
from hub.identity.names import normalise_name
from hub.sources import public as source
from hub.sources.base import Row

# The most entries one search answers (one subject's, or one case's).
MAX_ENTRIES: Final = 50
MAX_NAME = 200
MAX_CASE_NUMBER = 40
CASE_NUMBER: Final = re.compile(r"^[(（][12][0-9]{3}[)）][\u4e00-\u9fff][0-9]{0,4}执(恢|异|保)?[0-9]{1,6}号$")
# What an entry of a court list discloses (the audit trail records these as the fields read).
FIELDS: Final = (
    "name",
    "subjectKind",
    "identifier",
    "list",
    "caseNumber",
    "court",
    "filedOn",
    "basisDocument",
    "basisIssuer",
    "duty",
    "performance",
    "circumstance",
    "publishedOn",
)
# What an entry of a list resting on an agency's decision (no case) discloses.
DECISION_FIELDS: Final = (
    "name",
    "subjectKind",
    "identifier",
    "list",
    "publisher",
    "basisDocument",
    "publishedOn",
)


class NameRequired(InvalidInput):
    code = "NAME_REQUIRED"


class IdentifierOrCaseRequired(InvalidInput):
    code = "IDENTIFIER_OR_CASE_REQUIRED"


class InvalidCaseNumber(InvalidInput):
    code = "INVALID_CASE_NUMBER"


@dataclass(frozen=True)
class Search:
    """A validated search: the exact name, and an identifier or case numbers (or both)."""

    name: str
    identifier: str | None
    # The case number in both bracket forms, as either may be stored.
    case_numbers: tuple[str, ...]

    @property
    def by(self) -> str:
        return "identifier" if self.identifier is not None else "case"


def parse_search(params: Mapping[str, str]) -> Search:
    """``name`` with ``id`` and/or ``case``, validated; ``InvalidInput`` names what is wrong."""
    name = normalise_name(params.get("name") or "")
    if not name:
        raise NameRequired("give the exact full name of the person or organisation (name)", argument="name")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"the name is longer than {MAX_NAME} characters", argument="name")
    raw_id = (params.get("id") or "").strip()
    raw_case = (params.get("case") or "").strip()
    if not raw_id and not raw_case:
        raise IdentifierOrCaseRequired(
            "a name alone is not searched: add the full 18-character resident ID or unified social "
            "credit code (id), or the enforcement case number (case)",
            argument="id",
        )
    identifier = parse_identifier(raw_id) if raw_id else None
    cases: tuple[str, ...] = ()
    if raw_case:
        case = "".join(raw_case.split())
        if len(case) > MAX_CASE_NUMBER or not CASE_NUMBER.match(case):
            raise InvalidCaseNumber(
                "the case number is not an enforcement case number such as (2019)闽0102执1234号", argument="case"
            )
        ascii_form = case.replace("（", "(").replace("）", ")")
        cases = (ascii_form, ascii_form.replace("(", "（").replace(")", "）"))
    return Search(name=name, identifier=identifier, case_numbers=cases)


def parse_identifier(raw: str) -> str:
    """A full 18-character resident ID or USCC, validated by its checksum; ``InvalidIdentifier``
    (never echoing the value) otherwise."""
    value = "".join(raw.split()).upper()
    if len(value) != 18:
        raise InvalidIdentifier(
            "identifier",
            f"give the full 18 characters of the resident ID or unified social credit code, not {len(value)}",
            argument="id",
        )
    try:
        return parse_resident_id(value).number
    except InvalidIdentifier as as_person:
        try:
            return parse_uscc(value).code
        except InvalidIdentifier as as_organisation:
            # The message of the kind the value looks like: digits (an X last) a resident ID.
            looks_personal = value[:17].isdigit() and (value[17].isdigit() or value[17] == "X")
            raise (as_person if looks_personal else as_organisation) from None


@dataclass(frozen=True)
class PublicEntry:
    """One entry as the public sees it."""

    subject_id: int
    values: dict[str, Any]


async def search(db: Database, query: Search, day: date) -> list[PublicEntry]:
    """The public entries in force on ``day`` for the exact name and identifier or case."""
    if query.identifier is not None:
        rows = await source.entries_by_identifier(db, query.identifier, day, MAX_ENTRIES)
        if query.case_numbers:
            rows = [r for r in rows if r["case_number"] in query.case_numbers]
    else:
        rows = await source.entries_by_case(db, query.case_numbers, day, MAX_ENTRIES)
    return [_entry(r) for r in rows if normalise_name(r["name"]) == query.name]


def fields(entries: list[PublicEntry]) -> tuple[str, ...]:
    """The fields the entries disclose, each once (for the audit record)."""
    court = any(e.values.get("caseNumber") is not None for e in entries)
    decision = any(e.values.get("caseNumber") is None for e in entries)
    names = (FIELDS if court else ()) + (DECISION_FIELDS if decision else ())
    return tuple(dict.fromkeys(names))


def _entry(row: Row) -> PublicEntry:
    """An entry in one of two shapes: a court list's (its case and court) or, with no case, a
    list published on an agency's decision (the publisher and its document)."""
    person = row["kind"] == "person"
    identifier: str = row["identifier"]
    values: dict[str, Any] = {
        "name": row["name"],
        "subjectKind": "PERSON" if person else "ORGANISATION",
        # The courts' public form: birth month and day hidden; a USCC is public in full.
        "identifier": mask_resident_id(identifier) if person else identifier,
        "list": row["list"].upper(),
    }
    if row["case_number"] is None:
        values.update(
            publisher=row["publisher_name"],
            basisDocument=row["basis_document"],
            publishedOn=row["published_on"].isoformat(),
        )
        return PublicEntry(subject_id=row["subject_id"], values=values)
    return PublicEntry(
        subject_id=row["subject_id"],
        values={
            **values,
            "caseNumber": row["case_number"],
            "court": row["court_name"],
            "filedOn": row["filed_on"].isoformat(),
            "basisDocument": row["basis_document"],
            "basisIssuer": row["basis_issuer"],
            "duty": row["obligation"],
            "performance": row["performance"].upper(),
            "circumstance": row["circumstance"].upper() if row["circumstance"] else None,
            "publishedOn": row["published_on"].isoformat(),
        },
    )
