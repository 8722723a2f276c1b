"""What each source publishes: the fields of its records, checked one record at a time.

A record arrives as a mapping (a JSON object, a CSV row turned into one, or a mutation's
input). ``SOURCES[name].check`` validates its fields (formats, ranges, identifier checksums
through ``hub.identity``) and appends its rows to a ``Staged`` chunk, or its errors (line,
field, reason) and nothing else. What needs the database (duplicates across the batch, case
numbers and court codes that must exist, keys held by another record) is checked in SQL
once the batch is staged (``sql/queries/ingest.sql``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from hub.errors import InvalidIdentifier
from hub.identity import PROVINCES, parse_resident_id, parse_uscc
from hub.identity.mentions import normalise_name
from hub.identity.resident_id import EARLIEST_BIRTH_DATE

Error = tuple[int, str, str]

CASE_NUMBER = re.compile(r"^（?\(?[12][0-9]{3}\)?）?([\u4e00-\u9fff][0-9]{0,4})执(恢|异|保)?[0-9]{1,6}号$")
CERTIFICATE = re.compile(r"^[\u4e00-\u9fff]\([12][0-9]{3}\).+不动产权第[0-9]{7}号$")
UNIT_NUMBER = re.compile(r"^[0-9]{12}[A-Z]{2}[0-9]{5}[A-Z][0-9]{8}$")
REGION = re.compile(r"^[1-9][0-9]{5}$")
PLATE = re.compile(r"^[\u4e00-\u9fff][A-Z][A-HJ-NP-Z0-9]{5,6}$")
VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
HOTEL_CODE = re.compile(r"^[A-Z0-9-]{4,32}$")
COURT_CODE = re.compile(r"^[\u4e00-\u9fff][0-9]{0,4}$")
A_CASE_NUMBER = "a case number ((2019)闽0102执1234号)"
A_CERTIFICATE = "a certificate number (闽(2018)福州市不动产权第0012345号)"
A_UNIT = "a 28-character real-estate unit number"
EARLIEST = date(1949, 10, 1)
_SCALES = {places: Decimal(1).scaleb(-places) for places in range(0, 7)}
_LIMITS = {digits: Decimal(10) ** digits for digits in range(1, 19)}

USAGES = ("residential", "commercial", "industrial", "land", "other")
ENCUMBRANCE_KINDS = ("seal", "mortgage")
VEHICLE_TYPES = ("car", "truck", "bus", "motorcycle", "other")
COMPANY_TYPES = (
    "limited_liability",
    "joint_stock",
    "sole_proprietorship",
    "partnership",
    "individual_business",
    "other",
)
COMPANY_STATUSES = ("active", "revoked", "cancelled")
OFFICER_ROLES = ("legal_representative", "executive", "director", "supervisor", "actual_controller")
PERFORMANCES = ("none", "partial", "full")
HOTEL_STATUSES = ("open", "closed")
KINDS = ("person", "organisation")


@dataclass
class Staged:
    """Rows ready for COPY into the staging tables, and the errors found so far."""

    records: list[tuple[Any, ...]] = field(default_factory=list)
    parties: list[tuple[Any, ...]] = field(default_factory=list)
    items: list[tuple[Any, ...]] = field(default_factory=list)
    errors: list[Error] = field(default_factory=list)
    count: int = 0

    def clear(self) -> None:
        self.records.clear()
        self.parties.clear()
        self.items.clear()
        self.errors.clear()


PARTY_COLUMNS = (
    "line",
    "role",
    "record_key",
    "kind",
    "name",
    "name_key",
    "identifier",
    "sex",
    "birth_date",
    "region",
    "share",
    "capital",
    "position",
    "title",
    "since",
    "detail",
)
ITEM_COLUMNS = ("line", "path", "kind", "holder", "case_number", "started_on", "released_on")
ERROR_COLUMNS = ("line", "field", "reason")


class Record:
    """One record's checks: each getter returns the value, or None after noting an error."""

    __slots__ = ("errors", "line", "ok", "parties", "items", "today")

    def __init__(self, line: int, today: date) -> None:
        self.line = line
        self.errors: list[Error] = []
        self.ok = True
        self.parties: list[tuple[Any, ...]] = []
        self.items: list[tuple[Any, ...]] = []
        self.today = today

    def fail(self, path: str, reason: str) -> None:
        self.errors.append((self.line, path, reason))
        self.ok = False

    def text(
        self, data: Mapping[str, Any], name: str, path: str, *, required: bool = True, max_len: int = 500
    ) -> str | None:
        value = data.get(name)
        if value is None or value == "":
            if required:
                self.fail(path, "is required")
            return None
        if not isinstance(value, str):
            self.fail(path, "must be text")
            return None
        value = value.strip()
        if not value:
            if required:
                self.fail(path, "is required")
            return None
        if len(value) > max_len:
            self.fail(path, f"is longer than {max_len} characters")
            return None
        return value

    def match(
        self, data: Mapping[str, Any], name: str, path: str, pattern: re.Pattern[str], what: str, required: bool = True
    ) -> str | None:
        value = self.text(data, name, path, required=required)
        if value is not None and not pattern.match(value):
            self.fail(path, f"is not {what}")
            return None
        return value

    def choice(
        self, data: Mapping[str, Any], name: str, path: str, choices: tuple[str, ...], default: str | None = None
    ) -> str | None:
        value = self.text(data, name, path, required=default is None)
        if value is None:
            return default
        value = value.lower()
        if value not in choices:
            self.fail(path, f"must be one of {', '.join(choices)}")
            return None
        return value

    def day(self, data: Mapping[str, Any], name: str, path: str, *, required: bool = True) -> date | None:
        value = self.text(data, name, path, required=required, max_len=10)
        if value is None:
            return None
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            self.fail(path, "is not a date (YYYY-MM-DD)")
            return None
        if len(value) != 10:
            self.fail(path, "is not a date (YYYY-MM-DD)")
            return None
        if parsed < EARLIEST or parsed > self.today:
            self.fail(path, f"must be between {EARLIEST} and today")
            return None
        return parsed

    def amount(
        self,
        data: Mapping[str, Any],
        name: str,
        path: str,
        *,
        places: int,
        digits: int,
        positive: bool = False,
        at_most: Decimal | None = None,
        required: bool = True,
    ) -> Decimal | None:
        value = data.get(name)
        if value is None or value == "":
            if required:
                self.fail(path, "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(path, "must be a number")
            return None
        text = value.strip() if isinstance(value, str) else str(value)
        try:
            number = Decimal(text)
        except InvalidOperation:
            self.fail(path, "must be a number")
            return None
        if not number.is_finite():
            self.fail(path, "must be a number")
            return None
        point = text.find(".")
        if "e" in text or "E" in text:
            exponent = number.as_tuple().exponent
            assert isinstance(exponent, int)
            decimals = -exponent
        else:
            decimals = 0 if point < 0 else len(text) - point - 1
        if decimals > places and number != number.quantize(_SCALES[places]):
            self.fail(path, f"has more than {places} decimal places")
            return None
        if number < 0 or (positive and number == 0):
            self.fail(path, "must be greater than 0" if positive else "must not be negative")
            return None
        if at_most is not None and number > at_most:
            self.fail(path, f"must be at most {at_most}")
            return None
        if number >= _LIMITS[digits - places]:
            self.fail(path, "is too large")
            return None
        return number

    def integer(self, data: Mapping[str, Any], name: str, path: str, low: int, high: int) -> int | None:
        value = data.get(name)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"must be a whole number from {low} to {high}")
            return None
        if not low <= value <= high:
            self.fail(path, f"must be a whole number from {low} to {high}")
            return None
        return value

    def items_of(self, data: Mapping[str, Any], name: str, *, required: bool = False) -> list[Mapping[str, Any]]:
        value = data.get(name)
        if value is None:
            if required:
                self.fail(name, "is required (a list)")
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.fail(name, "must be a list of objects")
            return []
        if required and not value:
            self.fail(name, "must not be empty")
        if len(value) > 200:
            self.fail(name, "has more than 200 entries")
            return []
        for index, item in enumerate(value, start=1):
            if "_extra" in item:
                self.fail(f"{name}[{index}]", "has more '|'-separated fields than its columns")
        return value

    def party(
        self,
        data: Mapping[str, Any],
        path: str,
        role: str,
        record_key: str,
        *,
        person_only: bool = False,
        share: Decimal | None = None,
        capital: Decimal | None = None,
        position: str | None = None,
        title: str | None = None,
        since: date | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> str | None:
        """Check a party's name, kind and identifier and stage it; its identifier (or None)."""
        name = self.text(data, "name", f"{path}.name", max_len=200)
        kind = self.choice(data, "kind", f"{path}.kind", KINDS, default="")
        raw = data.get("identifier")
        if raw is not None and not isinstance(raw, str):
            self.fail(f"{path}.identifier", "must be text")
            return None
        raw = (raw or "").strip()
        identifier = sex = birth = region = None
        if raw:
            if not kind:
                compact = "".join(raw.split()).upper()
                kind = "person" if compact[:-1].isdigit() and len(compact) in (15, 18) else "organisation"
            try:
                if kind == "person":
                    identifier, sex, birth, region = resident_id(raw, self.today)
                else:
                    uscc = parse_uscc(raw)
                    identifier, region = uscc.code, uscc.region_code
            except InvalidIdentifier as exc:
                self.fail(f"{path}.identifier", exc.message)
                return None
        elif not kind:
            self.fail(f"{path}.kind", "is required when there is no identifier (person or organisation)")
            return None
        if person_only and kind != "person":
            self.fail(f"{path}.identifier", "must be a resident ID: this role is held by a person")
            return None
        if name is None or not self.ok:
            return identifier
        self.parties.append(
            (
                self.line,
                role,
                record_key,
                kind,
                name,
                name_key(name),
                identifier,
                sex,
                birth,
                region,
                share,
                capital,
                position,
                title,
                since,
                orjson.dumps(detail or {}, default=str).decode(),
            )
        )
        return identifier


_CHECK_CHARS = "10X98765432"
_NAME_KEYS: dict[str, str] = {}


def resident_id(raw: str, today: date) -> tuple[str, str, date, str]:
    """``parse_resident_id`` for the common case, fast: (number, sex, birth date, region).

    An 18-character number as registries export it (ASCII digits, upper-case X) is checked
    here; anything else (15 digits, full-width, lower-case x, a fault to report) goes through
    ``parse_resident_id``. The check digit is sum(d_i * 2^(18-i)) mod 11, and 13 = 2 (mod 11),
    so twice the 17 digits read in base 13 gives it.
    """
    if len(raw) == 18 and raw.isascii() and raw[:17].isdigit() and raw[:2] in PROVINCES:
        if _CHECK_CHARS[(2 * int(raw[:17], 13)) % 11] == raw[17]:
            try:
                birth = date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
            except ValueError:
                birth = None
            if birth is not None and EARLIEST_BIRTH_DATE <= birth <= today:
                return raw, "male" if int(raw[16]) % 2 else "female", birth, raw[:6]
    parsed = parse_resident_id(raw, today=today)
    return parsed.number, parsed.sex, parsed.birth_date, parsed.region_code


def name_key(name: str) -> str:
    """``normalise_name``, remembered: the same names come back again and again."""
    key = _NAME_KEYS.get(name)
    if key is None:
        if len(_NAME_KEYS) > 100_000:
            _NAME_KEYS.clear()
        key = _NAME_KEYS[name] = normalise_name(name)
    return key


def _version(r: Record, data: Mapping[str, Any]) -> str | None:
    value = data.get("version")
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value) > 100:
        r.fail("version", "must be text of at most 100 characters")
        return None
    return value.strip() or None


def _no_repeats(r: Record, values: list[Any], path: str, what: str) -> None:
    seen: set[Any] = set()
    for index, value in enumerate(values, start=1):
        if value is None:
            continue
        if value in seen:
            r.fail(f"{path}[{index}]", f"repeats {what} given earlier in this record")
        seen.add(value)


# ---------------------------------------------------------------- land


def check_land(r: Record, data: Mapping[str, Any]) -> tuple[Any, ...] | None:
    key = r.match(data, "certificateNumber", "certificateNumber", CERTIFICATE, A_CERTIFICATE)
    unit = r.match(data, "unitNumber", "unitNumber", UNIT_NUMBER, A_UNIT, required=False)
    region = r.match(data, "region", "region", REGION, "a six-digit division code")
    address = r.text(data, "address", "address")
    area = r.amount(data, "areaM2", "areaM2", places=2, digits=12, positive=True)
    usage = r.choice(data, "usage", "usage", USAGES)
    registered = r.day(data, "registeredOn", "registeredOn")
    version = _version(r, data)
    if key is None:
        return None
    owners = r.items_of(data, "owners", required=True)
    total = Decimal(0)
    identifiers: list[Any] = []
    for index, owner in enumerate(owners, start=1):
        path = f"owners[{index}]"
        share = r.amount(owner, "share", f"{path}.share", places=6, digits=7, positive=True, at_most=Decimal(1))
        total += share or 0
        detail = {"share": None if share is None else str(share)}
        identifiers.append(r.party(owner, path, "real_estate_owner", key, share=share, detail=detail))
    if total > 1:
        r.fail("owners", f"shares add up to {total}, more than 1")
    _no_repeats(r, identifiers, "owners", "an owner's identifier")
    seen: set[tuple[Any, ...]] = set()
    for index, item in enumerate(r.items_of(data, "encumbrances"), start=1):
        path = f"encumbrances[{index}]"
        kind = r.choice(item, "kind", f"{path}.kind", ENCUMBRANCE_KINDS)
        holder = r.text(item, "holder", f"{path}.holder", max_len=200)
        case = r.match(item, "caseNumber", f"{path}.caseNumber", CASE_NUMBER, A_CASE_NUMBER, required=False)
        on = r.day(item, "registeredOn", f"{path}.registeredOn")
        released = r.day(item, "releasedOn", f"{path}.releasedOn", required=False)
        if case is not None and kind == "mortgage":
            r.fail(f"{path}.caseNumber", "only a seal belongs to a case")
        if on and released and released < on:
            r.fail(f"{path}.releasedOn", "is before registeredOn")
        entry = (kind, holder, case, on, released)
        if entry in seen:
            r.fail(path, "repeats an encumbrance given earlier in this record")
        seen.add(entry)
        r.items.append((r.line, path, kind, holder, case, on, released))
    if not r.ok:
        return None
    return (r.line, key, version, unit, region, address, area, usage, registered)


def land_from_csv(row: Mapping[str, str | None]) -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in row.items() if k not in ("owners", "encumbrances")}
    data["owners"] = _csv_list(row.get("owners"), ("name", "identifier", "share", "kind"))
    data["encumbrances"] = _csv_list(
        row.get("encumbrances"), ("kind", "holder", "caseNumber", "registeredOn", "releasedOn")
    )
    return data


# ---------------------------------------------------------------- police


def check_police(r: Record, data: Mapping[str, Any]) -> tuple[Any, ...] | None:
    vin = r.match(data, "vin", "vin", VIN, "a 17-character VIN (no I, O or Q)")
    plate = r.match(data, "plate", "plate", PLATE, "a plate number (闽A12345)")
    make = r.text(data, "make", "make", max_len=100)
    vehicle_type = r.choice(data, "vehicleType", "vehicleType", VEHICLE_TYPES)
    registered = r.day(data, "registeredOn", "registeredOn")
    version = _version(r, data)
    if vin is None or plate is None:
        return None
    open_seizures = 0
    seen: set[tuple[Any, ...]] = set()
    for index, item in enumerate(r.items_of(data, "seizures"), start=1):
        path = f"seizures[{index}]"
        case = r.match(item, "caseNumber", f"{path}.caseNumber", CASE_NUMBER, A_CASE_NUMBER)
        seized = r.day(item, "seizedOn", f"{path}.seizedOn")
        released = r.day(item, "releasedOn", f"{path}.releasedOn", required=False)
        if seized and released and released < seized:
            r.fail(f"{path}.releasedOn", "is before seizedOn")
        open_seizures += released is None
        if (case, seized) in seen:
            r.fail(path, "repeats a seizure given earlier in this record")
        seen.add((case, seized))
        r.items.append((r.line, path, "seizure", None, case, seized, released))
    if open_seizures > 1:
        r.fail("seizures", "more than one seizure is in force (no releasedOn)")
    owner = data.get("owner")
    if not isinstance(owner, dict):
        r.fail("owner", "is required (an object with name and identifier)")
        return None
    if not r.ok:
        return None
    record = {
        "vin": vin,
        "plate": plate,
        "make": make,
        "vehicleType": vehicle_type,
        "registeredOn": registered,
        "owner": {k: owner.get(k) for k in ("name", "identifier", "kind")},
        "seizures": data.get("seizures") or [],
    }
    # The vehicle cannot be stored without its owner: an unresolved owner holds the record.
    r.party(owner, "owner", "vehicle_owner", plate, detail={"vehicle": record})
    if not r.ok:
        return None
    return (r.line, vin, version, plate, make, vehicle_type, registered)


def police_from_csv(row: Mapping[str, str | None]) -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in row.items() if not k.startswith("owner") and k != "seizures"}
    data["owner"] = {
        "name": row.get("ownerName"),
        "identifier": row.get("ownerIdentifier"),
        "kind": row.get("ownerKind"),
    }
    data["seizures"] = _csv_list(row.get("seizures"), ("caseNumber", "seizedOn", "releasedOn"))
    return data


# ---------------------------------------------------------------- market


def check_market(r: Record, data: Mapping[str, Any]) -> tuple[Any, ...] | None:
    raw = r.text(data, "uscc", "uscc", max_len=40)
    key = region = None
    if raw is not None:
        try:
            parsed = parse_uscc(raw)
            key, region = parsed.code, parsed.region_code
        except InvalidIdentifier as exc:
            r.fail("uscc", exc.message)
    name = r.text(data, "name", "name", max_len=200)
    company_type = r.choice(data, "companyType", "companyType", COMPANY_TYPES)
    capital = r.amount(data, "registeredCapital", "registeredCapital", places=2, digits=18)
    established = r.day(data, "establishedOn", "establishedOn")
    status = r.choice(data, "status", "status", COMPANY_STATUSES, default="active")
    address = r.text(data, "address", "address")
    industry = r.text(data, "industry", "industry", max_len=200)
    version = _version(r, data)
    if key is None:
        return None
    total = Decimal(0)
    holders: list[Any] = []
    for index, holder in enumerate(r.items_of(data, "shareholders"), start=1):
        path = f"shareholders[{index}]"
        share = r.amount(holder, "share", f"{path}.share", places=6, digits=7, positive=True, at_most=Decimal(1))
        subscribed = r.amount(holder, "subscribedCapital", f"{path}.subscribedCapital", places=2, digits=18)
        total += share or 0
        identifier = r.party(
            holder,
            path,
            "shareholder",
            key,
            share=share,
            capital=subscribed,
            detail={"share": share, "subscribedCapital": subscribed},
        )
        if identifier == key:
            r.fail(f"{path}.identifier", "a company does not hold its own shares")
        holders.append(identifier)
    if total > 1:
        r.fail("shareholders", f"shares add up to {total}, more than 1")
    _no_repeats(r, holders, "shareholders", "a shareholder's identifier")
    roles: list[Any] = []
    representatives = 0
    for index, officer in enumerate(r.items_of(data, "officers"), start=1):
        path = f"officers[{index}]"
        role = r.choice(officer, "role", f"{path}.role", OFFICER_ROLES)
        title = r.text(officer, "title", f"{path}.title", required=False, max_len=100)
        since = r.day(officer, "since", f"{path}.since")
        representatives += role == "legal_representative"
        identifier = r.party(
            officer,
            path,
            "officer",
            key,
            person_only=True,
            position=role,
            title=title,
            since=since,
            detail={"role": role, "title": title, "since": since},
        )
        roles.append(None if identifier is None else (identifier, role))
    if representatives > 1:
        r.fail("officers", "a company has one legal representative")
    _no_repeats(r, roles, "officers", "a person and role given earlier")
    if not r.ok:
        return None
    return (r.line, key, version, name, region, company_type, capital, established, status, address, industry)


def market_from_csv(row: Mapping[str, str | None]) -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in row.items() if k not in ("shareholders", "officers")}
    data["shareholders"] = _csv_list(
        row.get("shareholders"), ("name", "identifier", "share", "subscribedCapital", "kind")
    )
    data["officers"] = _csv_list(row.get("officers"), ("name", "identifier", "role", "since", "title"))
    return data


# ---------------------------------------------------------------- court


def check_court(r: Record, data: Mapping[str, Any]) -> tuple[Any, ...] | None:
    key = r.text(data, "caseNumber", "caseNumber", max_len=60)
    court = None
    if key is not None:
        found = CASE_NUMBER.match(key)
        if found is None:
            r.fail("caseNumber", "is not an enforcement case number ((2019)闽0102执1234号)")
            key = None
        else:
            court = found.group(1)
    given = r.match(data, "courtCode", "courtCode", COURT_CODE, "a court code (闽0102)", required=False)
    if given is not None and court is not None and given != court:
        r.fail("courtCode", f"disagrees with the case number, which names court {court}")
    filed = r.day(data, "filedOn", "filedOn")
    document = r.text(data, "basisDocument", "basisDocument", max_len=200)
    issuer = r.text(data, "basisIssuer", "basisIssuer", max_len=200)
    obligation = r.text(data, "obligation", "obligation", max_len=2000)
    amount = r.amount(data, "amount", "amount", places=2, digits=16)
    performance = r.choice(data, "performance", "performance", PERFORMANCES, default="none")
    performed = r.amount(data, "performedAmount", "performedAmount", places=2, digits=16, required=False)
    performed = Decimal(0) if performed is None else performed
    version = _version(r, data)
    if amount is not None and performance is not None:
        if performed > amount:
            r.fail("performedAmount", "is more than the amount")
        elif performance == "full" and performed != amount:
            r.fail("performedAmount", "must equal the amount when performance is full")
        elif amount != 0 and (performance == "none") != (performed == 0):
            r.fail("performedAmount", "must be 0 exactly when performance is none")
    if key is None:
        return None
    identifiers = [
        r.party(party, f"parties[{index}]", "case_party", key)
        for index, party in enumerate(r.items_of(data, "parties", required=True), start=1)
    ]
    _no_repeats(r, identifiers, "parties", "a party's identifier")
    if not r.ok:
        return None
    return (r.line, key, version, court, filed, document, issuer, obligation, amount, performance, performed)


def court_from_csv(row: Mapping[str, str | None]) -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in row.items() if k != "parties"}
    data["parties"] = _csv_list(row.get("parties"), ("name", "identifier", "kind"))
    return data


# ---------------------------------------------------------------- tourism


def check_tourism(r: Record, data: Mapping[str, Any]) -> tuple[Any, ...] | None:
    code = r.text(data, "code", "code", max_len=32)
    if code is not None:
        code = code.upper()
        if not HOTEL_CODE.match(code):
            r.fail("code", "is 4 to 32 of A-Z, 0-9 and '-'")
    name = r.text(data, "name", "name", max_len=200)
    region = r.match(data, "region", "region", REGION, "a six-digit division code")
    address = r.text(data, "address", "address")
    stars = r.integer(data, "stars", "stars", 0, 5)
    rated = r.day(data, "ratedOn", "ratedOn", required=False)
    status = r.choice(data, "status", "status", HOTEL_STATUSES, default="open")
    version = _version(r, data)
    if stars is not None and (stars == 0) != (rated is None):
        r.fail("ratedOn", "is given exactly when the hotel has stars (1 to 5)")
    if not r.ok:
        return None
    return (r.line, code, version, name, region, address, stars, rated, status)


# ---------------------------------------------------------------- the sources


def _csv_list(value: str | None, names: tuple[str, ...]) -> list[dict[str, Any]]:
    """``a|b|c;a|b|c`` as a list of objects with the given field names (missing ones null)."""
    if not value:
        return []
    out = []
    for entry in value.split(";"):
        if not entry.strip():
            continue
        parts = [p.strip() or None for p in entry.split("|")]
        item: dict[str, Any] = dict(zip(names, parts, strict=False))
        if len(parts) > len(names):
            item["_extra"] = parts[len(names) :]
        out.append(item)
    return out


@dataclass(frozen=True)
class Source:
    """How one source's records are read, checked and staged."""

    name: str
    # The natural key: the field that names it, and the column of the staging table.
    key_field: str
    check: Callable[[Record, Mapping[str, Any]], tuple[Any, ...] | None]
    stage_columns: tuple[str, ...]
    csv_columns: tuple[str, ...]
    from_csv: Callable[[Mapping[str, str | None]], dict[str, Any]]


def _plain(row: Mapping[str, str | None]) -> dict[str, Any]:
    return dict(row)


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "land",
            "certificateNumber",
            check_land,
            ("line", "key", "version", "unit_number", "region", "address", "area_m2", "usage", "registered_on"),
            (
                "certificateNumber",
                "unitNumber",
                "region",
                "address",
                "areaM2",
                "usage",
                "registeredOn",
                "version",
                "owners",
                "encumbrances",
            ),
            land_from_csv,
        ),
        Source(
            "police",
            "vin",
            check_police,
            ("line", "key", "version", "plate", "make", "vehicle_type", "registered_on"),
            (
                "plate",
                "vin",
                "make",
                "vehicleType",
                "registeredOn",
                "version",
                "ownerName",
                "ownerIdentifier",
                "ownerKind",
                "seizures",
            ),
            police_from_csv,
        ),
        Source(
            "market",
            "uscc",
            check_market,
            (
                "line",
                "key",
                "version",
                "name",
                "region",
                "company_type",
                "registered_capital",
                "established_on",
                "status",
                "address",
                "industry",
            ),
            (
                "uscc",
                "name",
                "companyType",
                "registeredCapital",
                "establishedOn",
                "status",
                "address",
                "industry",
                "version",
                "shareholders",
                "officers",
            ),
            market_from_csv,
        ),
        Source(
            "court",
            "caseNumber",
            check_court,
            (
                "line",
                "key",
                "version",
                "court_code",
                "filed_on",
                "basis_document",
                "basis_issuer",
                "obligation",
                "amount",
                "performance",
                "performed_amount",
            ),
            (
                "caseNumber",
                "courtCode",
                "filedOn",
                "basisDocument",
                "basisIssuer",
                "obligation",
                "amount",
                "performance",
                "performedAmount",
                "version",
                "parties",
            ),
            court_from_csv,
        ),
        Source(
            "tourism",
            "code",
            check_tourism,
            ("line", "key", "version", "name", "region", "address", "stars", "rated_on", "status"),
            ("code", "name", "region", "address", "stars", "ratedOn", "status", "version"),
            _plain,
        ),
    )
}


def stage_record(source: Source, line: int, data: Mapping[str, Any], staged: Staged, today: date) -> None:
    """Check one record and add its rows (or its errors) to ``staged``."""
    staged.count += 1
    r = Record(line, today)
    row = source.check(r, data)
    if row is None or not r.ok:
        staged.errors.extend(r.errors or [(line, "record", "is invalid")])
        return
    staged.records.append(row)
    staged.parties.extend(r.parties)
    staged.items.extend(r.items)
