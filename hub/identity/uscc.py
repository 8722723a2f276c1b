"""Unified social credit codes (GB 32100-2015).

18 characters from a 31-character alphabet (no I, O, S, V, Z): registration authority
(1), organisation type (2), registering authority's division code (3-8), the GB 11714
organisation code (9-17: 8-character body and its own check character) and an
ISO 7064 MOD 31-3 check character (18).

The inner GB 11714 check character is not validated, since real registrations carry
bad ones. Error messages give positions and reasons only, never the code itself.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final

from hub.errors import InvalidIdentifier
from hub.identity.regions import PROVINCES

__all__ = [
    "USCC_ALPHABET",
    "Uscc",
    "gb11714_check_char",
    "make_uscc",
    "normalise_uscc",
    "parse_uscc",
    "uscc_check_char",
]

KIND: Final = "USCC"
USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
REGISTRATION_AUTHORITIES: Final = frozenset("123456789ANY")
# GB/T 2260 code for the whole country, used by bodies registered at national level.
NATIONAL_REGION_CODE: Final = "100000"

_VALUES: Final = {ch: index for index, ch in enumerate(USCC_ALPHABET)}
_WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_GB11714_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)
_GB11714_VALUES: Final = {ch: index for index, ch in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
_DIGITS: Final = frozenset("0123456789")


@dataclass(frozen=True, slots=True)
class Uscc:
    """A validated unified social credit code split into its parts."""

    code: str
    authority: str
    org_type: str
    region_code: str
    org_code: str


def normalise_uscc(raw: str) -> str:
    """NFKC-fold, drop whitespace and upper-case ASCII letters; no validation."""
    folded = unicodedata.normalize("NFKC", raw)
    return "".join(ch.upper() if ch.isascii() else ch for ch in folded if not ch.isspace())


def uscc_check_char(first17: str) -> str:
    """The check character for the first 17 characters of a code."""
    if len(first17) != 17:
        raise ValueError("expected exactly 17 characters")
    try:
        total = sum(_VALUES[ch] * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    except KeyError:
        raise ValueError("a character is not in the USCC alphabet") from None
    return USCC_ALPHABET[(31 - total % 31) % 31]


def gb11714_check_char(body8: str) -> str:
    """The GB 11714 check character for an 8-character organisation code body."""
    if len(body8) != 8:
        raise ValueError("expected exactly 8 characters")
    try:
        total = sum(_GB11714_VALUES[ch] * w for ch, w in zip(body8, _GB11714_WEIGHTS, strict=True))
    except KeyError:
        raise ValueError("organisation code body must be ASCII digits and A-Z") from None
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def parse_uscc(raw: str) -> Uscc:
    """Normalise and validate a code.

    Raises ``InvalidIdentifier`` naming the first fault and its 1-based position in the
    normalised value. Structure is checked before the check character, so a typo that
    breaks the structure is reported where it is.
    """
    code = normalise_uscc(raw)
    if len(code) != 18:
        raise InvalidIdentifier(KIND, f"expected 18 characters, got {len(code)}")
    for index, ch in enumerate(code):
        if ch not in _VALUES:
            raise InvalidIdentifier(KIND, f"character {ch!r} is not in the USCC alphabet", index + 1)
    if code[0] not in REGISTRATION_AUTHORITIES:
        raise InvalidIdentifier(KIND, f"registration authority {code[0]!r} is not a known authority", 1)
    region_code = code[2:8]
    for index, ch in enumerate(region_code, start=3):
        if ch not in _DIGITS:
            raise InvalidIdentifier(KIND, f"character {ch!r} in the region code is not a digit", index)
    if region_code[:2] not in PROVINCES and region_code != NATIONAL_REGION_CODE:
        raise InvalidIdentifier(KIND, f"region code {region_code[:2]} is not a known province", 3)
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise InvalidIdentifier(KIND, f"check character should be {expected}, not {code[17]}", 18)
    return Uscc(
        code=code,
        authority=code[0],
        org_type=code[1],
        region_code=region_code,
        org_code=code[8:17],
    )


def make_uscc(authority: str, org_type: str, region_code: str, org_body8: str) -> str:
    """Build a valid code from its parts, computing both check characters."""
    if len(authority) != 1 or authority not in REGISTRATION_AUTHORITIES:
        raise ValueError("authority must be one of 1-9, A, N, Y")
    if len(org_type) != 1 or org_type not in _VALUES:
        raise ValueError("org_type must be one character of the USCC alphabet")
    if len(region_code) != 6 or not all(ch in _DIGITS for ch in region_code):
        raise ValueError("region_code must be 6 ASCII digits")
    if region_code[:2] not in PROVINCES and region_code != NATIONAL_REGION_CODE:
        raise ValueError("region_code does not start with a known province code")
    first17 = authority + org_type + region_code + org_body8 + gb11714_check_char(org_body8)
    if any(ch not in _VALUES for ch in first17):
        raise ValueError("the organisation code has a character outside the USCC alphabet")
    return first17 + uscc_check_char(first17)


def mask_uscc(code: str) -> str:
    """A USCC with its organisation code hidden: keeps the authority, type and region
    (chars 1-8) and the last two characters."""
    return code[:8] + "*" * (len(code) - 10) + code[-2:]
