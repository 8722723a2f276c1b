"""Resident ID numbers (GB 11643-1999): round trips, known numbers and error reports."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.errors import InvalidIdentifier
from hub.identity import (
    FUJIAN,
    FUJIAN_COUNTIES,
    PROVINCES,
    ResidentId,
    city_code,
    make_resident_id,
    mask_resident_id,
    normalise_resident_id,
    parse_resident_id,
    region_name,
    resident_id_check_digit,
    to_first_generation,
)

TODAY = date(2025, 6, 1)

county_codes = st.sampled_from(FUJIAN_COUNTIES)
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2010, 12, 31))
twentieth_century_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31))
sequences = st.integers(min_value=0, max_value=999)
valid_numbers = st.builds(make_resident_id, county_codes, birth_dates, sequences)


def with_check_digit(first17: str) -> str:
    return first17 + resident_id_check_digit(first17)


def full_width(ch: str) -> str:
    """The full-width form of an ASCII digit or letter ('1' -> '１', 'X' -> 'Ｘ')."""
    return chr(ord(ch) + 0xFEE0)


# ── round trips ──


@given(county_codes, birth_dates, sequences)
def test_made_number_parses_back_to_its_parts(region: str, born: date, sequence: int) -> None:
    # given a number built from its parts
    number = make_resident_id(region, born, sequence)

    # when it is parsed
    parsed = parse_resident_id(number, today=TODAY)

    # then every part comes back, and the sex follows the sequence's parity
    assert parsed == ResidentId(
        number=number,
        birth_date=born,
        sex="male" if sequence % 2 == 1 else "female",
        region_code=region,
    )
    assert len(number) == 18
    assert number[14:17] == f"{sequence:03d}"


@given(county_codes, twentieth_century_dates, sequences)
def test_first_generation_form_parses_to_the_same_number(region: str, born: date, sequence: int) -> None:
    # given a number of someone born in the 1900s, and its 15-digit form
    number = make_resident_id(region, born, sequence)
    old_number = to_first_generation(number)
    assert old_number is not None
    assert len(old_number) == 15

    # when the 15-digit form is parsed
    parsed = parse_resident_id(old_number, today=TODAY)

    # then it is upgraded to the same 18-character number
    assert parsed == parse_resident_id(number, today=TODAY)


@given(county_codes, st.dates(min_value=date(2000, 1, 1), max_value=date(2010, 12, 31)), sequences)
def test_no_first_generation_form_after_1999(region: str, born: date, sequence: int) -> None:
    assert to_first_generation(make_resident_id(region, born, sequence)) is None


@given(valid_numbers, st.data())
def test_full_width_lower_case_and_separated_variants_parse_the_same(number: str, data: st.DataObject) -> None:
    # given a variant with some characters full-width, x lower-cased, and separators
    chars = []
    for ch in number:
        if ch == "X" and data.draw(st.booleans(), label="lower-case x"):
            ch = "x"
        if data.draw(st.booleans(), label="full width"):
            ch = full_width(ch)
        chars.append(ch + data.draw(st.sampled_from(["", "", " ", "-", "\u3000"])))
    variant = "  " + "".join(chars) + "\n"

    # when it is parsed
    parsed = parse_resident_id(variant, today=TODAY)

    # then it is the same as the plain number
    assert parsed == parse_resident_id(number, today=TODAY)
    assert normalise_resident_id(variant) == number


# Where a fault may be reported when the digit at a 0-based index is changed:
# the field it belongs to (province, birth date) or the check digit.
_ALLOWED_POSITIONS = (
    [{1, 18}] * 2  # province
    + [{18}] * 4  # rest of the region
    + [{7, 13, 18}] * 4  # year (a changed year can void 29 February)
    + [{11, 13, 18}] * 2  # month (a changed month can void day 31)
    + [{13, 18}] * 2  # day
    + [{18}] * 3  # sequence
)


@given(valid_numbers, st.integers(min_value=0, max_value=16), st.data())
def test_any_changed_digit_is_rejected(number: str, index: int, data: st.DataObject) -> None:
    # given a valid number with one of its first 17 digits changed
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != number[index]]))
    changed = number[:index] + replacement + number[index + 1 :]

    # when it is parsed, then it is rejected at its field or at the check digit
    with pytest.raises(InvalidIdentifier) as caught:
        parse_resident_id(changed, today=TODAY)
    assert caught.value.position in _ALLOWED_POSITIONS[index]


@given(valid_numbers, st.data())
def test_changed_check_digit_is_reported_at_position_18(number: str, data: st.DataObject) -> None:
    # given a valid number with its check digit changed
    replacement = data.draw(st.sampled_from([d for d in "0123456789X" if d != number[17]]))

    # when it is parsed
    with pytest.raises(InvalidIdentifier) as caught:
        parse_resident_id(number[:17] + replacement, today=TODAY)

    # then the fault is the check digit
    assert caught.value.position == 18
    assert caught.value.reason == f"check digit should be {number[17]}, not {replacement}"


# ── known numbers ──


def test_standard_sample_number_is_valid() -> None:
    parsed = parse_resident_id("11010519491231002X", today=TODAY)

    assert parsed == ResidentId(
        number="11010519491231002X",
        birth_date=date(1949, 12, 31),
        sex="female",
        region_code="110105",
    )


def test_first_generation_sample_converts_to_the_standard_sample() -> None:
    parsed = parse_resident_id("110105491231002", today=TODAY)

    assert parsed.number == "11010519491231002X"
    assert parsed.birth_date == date(1949, 12, 31)
    assert to_first_generation(parsed.number) == "110105491231002"


def test_odd_sequence_digit_is_male() -> None:
    number = make_resident_id("350102", date(1964, 3, 15), 321)

    assert parse_resident_id(number, today=TODAY).sex == "male"


def test_normalise_drops_spaces_and_hyphens_and_upper_cases_x() -> None:
    assert normalise_resident_id(" 110105-19491231 002x ") == "11010519491231002X"
    assert normalise_resident_id("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"


def test_mask_hides_birth_month_and_day() -> None:
    assert mask_resident_id("350102196403153224") == "3501021964****3224"
    assert mask_resident_id("350102640315322") == "35010264****322"


def test_mask_rejects_a_value_of_the_wrong_length_without_echoing_it() -> None:
    with pytest.raises(ValueError, match="got 5") as caught:
        mask_resident_id("35010")
    assert "35010" not in str(caught.value)


# ── errors ──

_BAD_NUMBERS = [
    # (raw value, expected position, words in the reason)
    pytest.param("11010519491231", None, "got 14", id="too-short"),
    pytest.param("11010519491231002X1", None, "got 19", id="too-long"),
    pytest.param("", None, "got 0", id="empty"),
    pytest.param("1101051949A231002X", 11, "'A' is not a digit", id="letter"),
    pytest.param("1101X519491231002X", 5, "'X' is not a digit", id="x-not-last"),
    pytest.param("11010519491231002Y", 18, "not a digit or X", id="bad-last-char"),
    pytest.param("11010549A231002", 9, "'A' is not a digit", id="letter-first-generation"),
    pytest.param(with_check_digit("99010519491231002"), 1, "99", id="unknown-province"),
    pytest.param(with_check_digit("00010519491231002"), 1, "00", id="province-00"),
    pytest.param(with_check_digit("35010219641315322"), 11, "month 13", id="month-13"),
    pytest.param(with_check_digit("35010219640015322"), 11, "month 0", id="month-00"),
    pytest.param(with_check_digit("35010219640230322"), 13, "day 30", id="february-30"),
    pytest.param(with_check_digit("35010219630229322"), 13, "day 29", id="february-29-non-leap"),
    pytest.param(with_check_digit("35010219640400322"), 13, "day 0", id="day-00"),
    pytest.param(with_check_digit("35010219640431322"), 13, "day 31", id="april-31"),
    pytest.param(with_check_digit("35010220300101322"), 7, "future", id="future"),
    pytest.param(with_check_digit("35010218891231322"), 7, "1890", id="before-1890"),
    pytest.param(with_check_digit("35010200000101322"), 7, "1890", id="year-0000"),
    pytest.param("350102641315322", 9, "month 13", id="month-13-first-generation"),
    pytest.param("350102640230322", 11, "day 30", id="february-30-first-generation"),
    pytest.param("990102640315322", 1, "99", id="unknown-province-first-generation"),
    pytest.param("110105194912310021", 18, "should be X, not 1", id="bad-check-digit"),
]


@pytest.mark.parametrize(("raw", "position", "reason_part"), _BAD_NUMBERS)
def test_bad_number_is_reported_at_its_position(raw: str, position: int | None, reason_part: str) -> None:
    # when a bad number is parsed
    with pytest.raises(InvalidIdentifier) as caught:
        parse_resident_id(raw, today=TODAY)

    # then the error names the position and reason
    error = caught.value
    assert error.kind == "resident ID"
    assert error.position == position
    assert reason_part in error.reason
    assert error.extensions["position"] == position


@pytest.mark.parametrize(("raw", "position", "reason_part"), _BAD_NUMBERS)
def test_error_never_contains_the_value(raw: str, position: int | None, reason_part: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        parse_resident_id(raw, today=TODAY)

    if len(raw) > 4:
        assert raw not in str(caught.value)
        assert raw not in repr(caught.value.as_extensions())


def test_birth_today_is_accepted_but_tomorrow_is_not() -> None:
    born = date(2025, 6, 1)
    number = make_resident_id("350102", born, 1)

    assert parse_resident_id(number, today=born).birth_date == born
    with pytest.raises(InvalidIdentifier) as caught:
        parse_resident_id(number, today=date(2025, 5, 31))
    assert caught.value.position == 7


def test_default_today_rejects_a_far_future_birth_date() -> None:
    with pytest.raises(InvalidIdentifier, match="future"):
        parse_resident_id(make_resident_id("350102", date(9999, 1, 1), 1))


@pytest.mark.parametrize(
    ("region", "born", "sequence", "message"),
    [
        pytest.param("35010", date(1964, 3, 15), 1, "6 ASCII digits", id="short-region"),
        pytest.param("35010a", date(1964, 3, 15), 1, "6 ASCII digits", id="letter-in-region"),
        pytest.param("990102", date(1964, 3, 15), 1, "province", id="unknown-province"),
        pytest.param("350102", date(1889, 12, 31), 1, "1890", id="before-1890"),
        pytest.param("350102", date(1964, 3, 15), 1000, "0 to 999", id="sequence-1000"),
        pytest.param("350102", date(1964, 3, 15), -1, "0 to 999", id="negative-sequence"),
    ],
)
def test_make_rejects_out_of_range_parts(region: str, born: date, sequence: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_resident_id(region, born, sequence)


def test_check_digit_needs_17_digits() -> None:
    with pytest.raises(ValueError, match="17 ASCII digits"):
        resident_id_check_digit("1101051949123100")
    with pytest.raises(ValueError, match="17 ASCII digits"):
        resident_id_check_digit("1101051949123100A")


# ── regions ──


def test_every_province_is_listed() -> None:
    assert len(PROVINCES) == 34
    assert PROVINCES["35"] == "福建省"


def test_fujian_counties_are_sorted_county_level_codes() -> None:
    assert list(FUJIAN_COUNTIES) == sorted(FUJIAN_COUNTIES)
    assert all(code.startswith("35") and not code.endswith("00") for code in FUJIAN_COUNTIES)
    assert all(city_code(code) in FUJIAN for code in FUJIAN_COUNTIES)
    assert {"350102", "350181", "350203", "350405", "350583", "350982"} <= set(FUJIAN_COUNTIES)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("350102", "福建省福州市鼓楼区"),
        ("350181", "福建省福州市福清市"),
        ("350582", "福建省泉州市晋江市"),
        ("350100", "福建省福州市"),
        ("350000", "福建省"),
        ("360102", "江西省"),
        ("110105", "北京市"),
        ("990000", None),
    ],
)
def test_region_name(code: str, name: str | None) -> None:
    assert region_name(code) == name


def test_city_code() -> None:
    assert city_code("350181") == "350100"
