"""Citizen identity numbers (GB 11643-1999).

An 18-character number is 6 digits of region, 8 of birth date (YYYYMMDD), 3 of
sequence (the last one odd for men, even for women) and an ISO 7064 MOD 11-2 check
character ("0"-"9" or "X"). First-generation numbers have 15 digits: region, YYMMDD
(century 19) and sequence, with no check character.

Error messages give positions and reasons only, never the number itself.
"""

from __future__ import annotations

import operator
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from hub.errors import InvalidIdentifier
from hub.identity.regions import PROVINCES

__all__ = [
    "ResidentId",
    "make_resident_id",
    "mask_resident_id",
    "normalise_resident_id",
    "parse_resident_id",
    "resident_id_check_digit",
    "to_first_generation",
]

KIND: Final = "resident ID"
EARLIEST_BIRTH_DATE: Final = date(1890, 1, 1)

_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS: Final = "10X98765432"
_ASCII_ZERO_WEIGHT: Final = ord("0") * sum(_WEIGHTS)
_DIGITS: Final = frozenset("0123456789")
# Hyphen-like characters that NFKC leaves alone; people paste them as separators.
_SEPARATORS: Final = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
_MONTH_NAMES: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True, slots=True)
class ResidentId:
    """A validated 18-character citizen identity number and what it encodes."""

    number: str
    birth_date: date
    sex: Literal["male", "female"]
    region_code: str


def normalise_resident_id(raw: str) -> str:
    """NFKC-fold, drop whitespace and hyphens, and upper-case ``x``; no validation."""
    if raw.isascii() and raw.isalnum():  # the usual case, already clean: nothing to fold or drop
        return raw.replace("x", "X")
    folded = unicodedata.normalize("NFKC", raw)
    kept = "".join(ch for ch in folded if not ch.isspace() and ch not in _SEPARATORS)
    return kept.replace("x", "X")


def resident_id_check_digit(first17: str) -> str:
    """The check character for the first 17 digits of a number."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError("expected exactly 17 ASCII digits")
    # The digits' ASCII codes are 48 more than their values: one C-level pass, then the offset.
    total = sum(map(operator.mul, first17.encode("ascii"), _WEIGHTS)) - _ASCII_ZERO_WEIGHT
    return _CHECK_CHARS[total % 11]


def parse_resident_id(raw: str, *, today: date | None = None) -> ResidentId:
    """Normalise, convert a 15-digit number to 18, and validate.

    Raises ``InvalidIdentifier`` naming the first fault and its 1-based position in the
    normalised value (for a 15-digit number, positions refer to those 15 digits).
    """
    value = normalise_resident_id(raw)
    length = len(value)
    if length not in (15, 18):
        raise InvalidIdentifier(KIND, f"expected 18 characters (or 15 for a first-generation ID), got {length}")
    # The usual number is all ASCII digits (an X last): nothing to point at.
    plain = value[:-1].isdigit() and value.isascii() and (value[-1].isdigit() or (length == 18 and value[-1] == "X"))
    for index, ch in enumerate(() if plain else value):
        if ch in _DIGITS:
            continue
        if index == 17:
            if ch == "X":
                continue
            reason = f"character {ch!r} is not a digit or X"
        else:
            reason = f"character {ch!r} is not a digit"
        raise InvalidIdentifier(KIND, reason, index + 1)

    first_generation = length == 15
    # Positions of the date fields in the value as given.
    year_at, month_at, day_at = (7, 9, 11) if first_generation else (7, 11, 13)

    province = value[:2]
    if province not in PROVINCES:
        raise InvalidIdentifier(KIND, f"region code {province} is not a known province", 1)

    if first_generation:
        year = 1900 + int(value[6:8])
        month, day = int(value[8:10]), int(value[10:12])
    else:
        year = int(value[6:10])
        month, day = int(value[10:12]), int(value[12:14])
    if not 1 <= month <= 12:
        raise InvalidIdentifier(KIND, f"month {month} is not a valid birth month", month_at)
    if year < EARLIEST_BIRTH_DATE.year:
        raise InvalidIdentifier(KIND, "birth date is before 1890-01-01", year_at)
    try:
        birth_date = date(year, month, day)
    except ValueError:
        raise InvalidIdentifier(
            KIND, f"day {day} does not exist in {_MONTH_NAMES[month - 1]} of that year", day_at
        ) from None
    if birth_date > (today if today is not None else date.today()):
        raise InvalidIdentifier(KIND, "birth date is in the future", year_at)

    if first_generation:
        first17 = value[:6] + "19" + value[6:]
        number = first17 + resident_id_check_digit(first17)
    else:
        expected = resident_id_check_digit(value[:17])
        if value[17] != expected:
            raise InvalidIdentifier(KIND, f"check digit should be {expected}, not {value[17]}", 18)
        number = value

    return ResidentId(
        number=number,
        birth_date=birth_date,
        sex="male" if int(number[16]) % 2 == 1 else "female",
        region_code=number[:6],
    )


def make_resident_id(region_code: str, birth_date: date, sequence: int) -> str:
    """Build a valid 18-character number; ``sequence`` 0-999, odd for a man."""
    if len(region_code) != 6 or not all(ch in _DIGITS for ch in region_code):
        raise ValueError("region_code must be 6 ASCII digits")
    if region_code[:2] not in PROVINCES:
        raise ValueError("region_code does not start with a known province code")
    if birth_date < EARLIEST_BIRTH_DATE:
        raise ValueError("birth_date must not be before 1890-01-01")
    if isinstance(sequence, bool) or not 0 <= sequence <= 999:
        raise ValueError("sequence must be an integer from 0 to 999")
    first17 = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_digit(first17)


def to_first_generation(number18: str) -> str | None:
    """The 15-digit form of an 18-character number born in 19xx, else ``None``."""
    if len(number18) != 18 or not all(ch in _DIGITS for ch in number18[:17]):
        raise ValueError("expected an 18-character resident ID number")
    if number18[6:8] != "19":
        return None
    return number18[:6] + number18[8:17]


def mask_resident_id(number: str) -> str:
    """The courts' public form, with birth month and day hidden.

    "350102196403153224" -> "3501021964****3224"; a 15-digit number is masked at the
    same fields ("350102640315322" -> "35010264****322").
    """
    value = normalise_resident_id(number)
    if len(value) == 18:
        return value[:10] + "****" + value[14:]
    if len(value) == 15:
        return value[:8] + "****" + value[12:]
    raise ValueError(f"expected 18 or 15 characters, got {len(value)}")
