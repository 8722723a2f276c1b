"""Unified social credit codes (GB 32100-2015): round trips, known codes and errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.errors import InvalidIdentifier
from hub.identity import (
    FUJIAN,
    USCC_ALPHABET,
    Uscc,
    gb11714_check_char,
    make_uscc,
    normalise_uscc,
    parse_uscc,
    uscc_check_char,
)

authorities = st.sampled_from("123456789ANY")
org_types = st.sampled_from(USCC_ALPHABET)
region_codes = st.one_of(
    st.sampled_from(sorted(FUJIAN)),
    st.sampled_from(["110105", "310115", "440300", "650102", "820000"]),
)
org_bodies = st.text(alphabet="0123456789", min_size=8, max_size=8)
valid_codes = st.builds(make_uscc, authorities, org_types, region_codes, org_bodies)


def with_check_char(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def full_width(ch: str) -> str:
    """The full-width form of an ASCII digit or letter ('9' -> '９', 'M' -> 'Ｍ')."""
    return chr(ord(ch) + 0xFEE0)


# ── round trips ──


@given(authorities, org_types, region_codes, org_bodies)
def test_made_code_parses_back_to_its_parts(authority: str, org_type: str, region: str, body: str) -> None:
    # given a code built from its parts
    code = make_uscc(authority, org_type, region, body)

    # when it is parsed
    parsed = parse_uscc(code)

    # then every part comes back, the organisation code with its GB 11714 check
    assert parsed == Uscc(
        code=code,
        authority=authority,
        org_type=org_type,
        region_code=region,
        org_code=body + gb11714_check_char(body),
    )
    assert len(code) == 18


@given(valid_codes, st.sampled_from([1, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]), st.data())
def test_changed_character_outside_the_structured_fields_is_caught_by_the_check(
    code: str, index: int, data: st.DataObject
) -> None:
    # given a valid code with its organisation type, organisation code or check
    # character changed to another character of the alphabet
    replacement = data.draw(st.sampled_from([c for c in USCC_ALPHABET if c != code[index]]))
    changed = code[:index] + replacement + code[index + 1 :]

    # when it is parsed, then the check character rejects it
    with pytest.raises(InvalidIdentifier) as caught:
        parse_uscc(changed)
    assert caught.value.position == 18


@given(valid_codes, st.integers(min_value=0, max_value=17), st.data())
def test_any_changed_character_is_rejected(code: str, index: int, data: st.DataObject) -> None:
    # given a valid code with any one character changed within the alphabet
    replacement = data.draw(st.sampled_from([c for c in USCC_ALPHABET if c != code[index]]))
    changed = code[:index] + replacement + code[index + 1 :]

    # when it is parsed
    with pytest.raises(InvalidIdentifier) as caught:
        parse_uscc(changed)

    # then it is rejected at the check character, or where the change broke the
    # structure (authority, a region digit, or the province at position 3)
    assert caught.value.position in {18, index + 1, 3}


@given(
    valid_codes,
    st.integers(min_value=0, max_value=17),
    st.sampled_from(["I", "O", "S", "V", "Z", "#", "*", "中", "_", "."]),
)
def test_character_outside_the_alphabet_is_reported_at_its_position(code: str, index: int, bad: str) -> None:
    changed = code[:index] + bad + code[index + 1 :]

    with pytest.raises(InvalidIdentifier) as caught:
        parse_uscc(changed)

    assert caught.value.position == index + 1
    assert caught.value.reason == f"character {bad!r} is not in the USCC alphabet"


@given(valid_codes, st.data())
def test_lower_case_full_width_and_spaced_variants_parse_the_same(code: str, data: st.DataObject) -> None:
    # given a variant with some characters lower-cased or full-width, and spaces
    chars = []
    for ch in code:
        if ch.isalpha() and data.draw(st.booleans(), label="lower case"):
            ch = ch.lower()
        if data.draw(st.booleans(), label="full width"):
            ch = full_width(ch)
        chars.append(ch + data.draw(st.sampled_from(["", "", " ", "\u3000"])))
    variant = " " + "".join(chars) + "\t"

    # when it is parsed, then it is the plain code
    assert normalise_uscc(variant) == code
    assert parse_uscc(variant) == parse_uscc(code)


# ── known codes ──


def test_well_known_sample_code_is_valid() -> None:
    # Checked by hand: values 9,1,3,5,0,1,0,0,M=21,0,0,0,1,0,0,Y=30,4 times weights
    # 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28 give
    # 9+3+27+135+0+26+0+0+420+0+0+0+8+0+0+900+112 = 1640; 1640 % 31 = 28;
    # (31 - 28) % 31 = 3 -> alphabet[3] = "3", the code's last character.
    # Its inner GB 11714 check also holds: M=22*3 + 1*5 + Y=34*2 = 139,
    # 139 % 11 = 7, 11 - 7 = 4 -> "4".
    parsed = parse_uscc("91350100M000100Y43")

    assert parsed == Uscc(
        code="91350100M000100Y43",
        authority="9",
        org_type="1",
        region_code="350100",
        org_code="M000100Y4",
    )
    assert uscc_check_char("91350100M000100Y4") == "3"


def test_gb11714_check_char_matches_the_standard_example() -> None:
    # GB 11714's example D2143569-X: 13*3+2*7+1*9+4*10+3*5+5*8+6*4+9*2 = 199,
    # 199 % 11 = 1, 11 - 1 = 10 -> "X".
    assert gb11714_check_char("D2143569") == "X"
    assert gb11714_check_char("M000100Y") == "4"


def test_gb11714_check_char_maps_11_to_zero() -> None:
    # 0*... = 0, 0 % 11 = 0, 11 - 0 = 11 -> "0"
    assert gb11714_check_char("00000000") == "0"


def test_inner_gb11714_check_is_not_enforced() -> None:
    # given a code whose organisation code has a wrong inner check character
    code = with_check_char("91350100M000100Y5")

    # then it is still accepted
    assert parse_uscc(code).org_code == "M000100Y5"


def test_national_level_region_code_is_accepted() -> None:
    code = make_uscc("5", "1", "100000", "50000001")

    assert parse_uscc(code).region_code == "100000"


def test_normalise_upper_cases_and_drops_spaces() -> None:
    assert normalise_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert normalise_uscc("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"
    assert normalise_uscc("9135 0100 M000 100Y 43") == "91350100M000100Y43"


# ── errors ──

_BAD_CODES = [
    # (raw value, expected position, words in the reason)
    pytest.param("91350100M000100Y4", None, "got 17", id="too-short"),
    pytest.param("91350100M000100Y433", None, "got 19", id="too-long"),
    pytest.param("", None, "got 0", id="empty"),
    pytest.param("91350100M000I00Y43", 13, "'I'", id="letter-I"),
    pytest.param("91350100O000100Y43", 9, "'O'", id="letter-O"),
    pytest.param(with_check_char("B1350100M000100Y4"), 1, "'B'", id="unknown-authority"),
    pytest.param(with_check_char("913501A0M000100Y4"), 7, "'A'", id="letter-in-region"),
    pytest.param(with_check_char("91990100M000100Y4"), 3, "99", id="unknown-province"),
    pytest.param(with_check_char("91000000M000100Y4"), 3, "00", id="province-00"),
    pytest.param("91350100M000100Y44", 18, "should be 3, not 4", id="bad-check-char"),
]


@pytest.mark.parametrize(("raw", "position", "reason_part"), _BAD_CODES)
def test_bad_code_is_reported_at_its_position(raw: str, position: int | None, reason_part: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        parse_uscc(raw)

    error = caught.value
    assert error.kind == "USCC"
    assert error.position == position
    assert reason_part in error.reason


@pytest.mark.parametrize(("raw", "position", "reason_part"), _BAD_CODES)
def test_error_never_contains_the_value(raw: str, position: int | None, reason_part: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        parse_uscc(raw)

    if raw:
        assert raw not in str(caught.value)
        assert raw not in repr(caught.value.as_extensions())


@pytest.mark.parametrize(
    ("authority", "org_type", "region", "body", "message"),
    [
        pytest.param("B", "1", "350100", "12345678", "authority", id="unknown-authority"),
        pytest.param("9", "I", "350100", "12345678", "org_type", id="org-type-outside-alphabet"),
        pytest.param("9", "1", "35010", "12345678", "6 ASCII digits", id="short-region"),
        pytest.param("9", "1", "990100", "12345678", "province", id="unknown-province"),
        pytest.param("9", "1", "350100", "1234567", "8 characters", id="short-body"),
        pytest.param("9", "1", "350100", "1234567I", "USCC alphabet", id="body-outside-alphabet"),
        pytest.param("9", "1", "350100", "1234567#", "A-Z", id="body-not-alphanumeric"),
    ],
)
def test_make_rejects_bad_parts(authority: str, org_type: str, region: str, body: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_uscc(authority, org_type, region, body)
