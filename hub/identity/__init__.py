"""Parsing, validation and construction of resident IDs and USCCs."""

from hub.identity.regions import FUJIAN, FUJIAN_COUNTIES, PROVINCES, city_code, region_name
from hub.identity.resident_id import (
    ResidentId,
    make_resident_id,
    mask_resident_id,
    normalise_resident_id,
    parse_resident_id,
    resident_id_check_digit,
    to_first_generation,
)
from hub.identity.uscc import (
    USCC_ALPHABET,
    Uscc,
    gb11714_check_char,
    make_uscc,
    mask_uscc,
    normalise_uscc,
    parse_uscc,
    uscc_check_char,
)

__all__ = [
    "FUJIAN",
    "FUJIAN_COUNTIES",
    "PROVINCES",
    "USCC_ALPHABET",
    "ResidentId",
    "Uscc",
    "city_code",
    "gb11714_check_char",
    "make_resident_id",
    "make_uscc",
    "mask_resident_id",
    "mask_uscc",
    "normalise_resident_id",
    "normalise_uscc",
    "parse_resident_id",
    "parse_uscc",
    "region_name",
    "resident_id_check_digit",
    "to_first_generation",
    "uscc_check_char",
]
