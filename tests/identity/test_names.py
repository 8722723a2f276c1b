"""Name features and the scorer: variants, pinyin with heteronyms, birth date, region, identifier."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.identity import make_resident_id
from hub.identity.names import (
    BIRTH_DATE,
    EXACT_NAME,
    IDENTIFIER,
    PINYIN,
    REGION,
    THRESHOLD,
    VARIANT_NAME,
    Party,
    best,
    fold,
    name_agreement,
    pinyin_keys,
    readings,
    same_pinyin,
    score,
)

BORN = date(1980, 5, 1)
ZHANG_ID = make_resident_id("350102", BORN, 11)
OTHER_ID = make_resident_id("350102", BORN, 13)


@pytest.mark.parametrize(
    ("a", "b", "agreement"),
    [
        ("陈伟", "陈伟", EXACT_NAME),
        ("陈 伟", "陈伟", EXACT_NAME),
        ("陳偉", "陈伟", VARIANT_NAME),
        ("张伟", "張偉", VARIANT_NAME),
        ("鄭麗華", "郑丽华", VARIANT_NAME),
        ("张伟", "章伟", PINYIN),
        ("陈伟", "陈炜", PINYIN),
        ("陳偉", "陈炜", PINYIN),
        ("单伟", "善伟", PINYIN),  # 单 as a surname reads shan
        ("曾伟", "增伟", PINYIN),  # 曾 zeng (its first reading is ceng)
        ("曾伟", "层伟", PINYIN),  # ... and ceng
        ("解放", "谢放", PINYIN),  # 解 xie as a surname, jie otherwise
        ("解放", "界放", PINYIN),
        ("张伟", "张伟明", None),
        ("张伟", "王伟", None),
        ("陈伟", "程伟", None),
    ],
)
def test_names_agree_exactly_as_variants_or_in_pinyin(a: str, b: str, agreement: str | None) -> None:
    assert name_agreement(a, b) == agreement
    assert name_agreement(b, a) == agreement


def test_heteronyms_are_sets_of_tone_less_readings() -> None:
    assert {"zeng", "ceng"} <= readings("曾")[0]
    assert {"shan", "dan"} <= readings("单")[0]
    assert {"xie", "jie"} <= readings("解")[0]
    # A traditional character reads as its simplified form does (and as itself).
    assert all(s <= t for s, t in zip(readings("陈伟"), readings("陳偉"), strict=True))
    # Per character, never phrase by phrase: 沈思 is not read as the word 沉思.
    assert fold("沈思东") == "沈思东"
    assert "shen" in readings("沈思东")[0]
    assert "zhang wei" in pinyin_keys("张伟")
    assert "zhang wei" in pinyin_keys("章伟")
    assert {"zeng wei", "ceng wei"} <= set(pinyin_keys("曾伟"))


@given(st.text(alphabet="陈陳伟偉张張章单曾解林文斌", min_size=1, max_size=4))
def test_agreement_is_symmetric_and_folding_idempotent(name: str) -> None:
    assert fold(fold(name)) == fold(name)
    assert name_agreement(name, name) == EXACT_NAME
    assert same_pinyin(name, fold(name))
    for other in ("陈伟", "張偉", "单文"):
        assert name_agreement(name, other) == name_agreement(other, name)


def test_an_agreeing_identifier_is_decisive_even_with_another_name() -> None:
    match = score(Party("陈伟", "person", ZHANG_ID), Party("王芳", "person", ZHANG_ID, BORN, "350102"))

    assert match.score == 1.0
    assert match.agreed == (IDENTIFIER,)
    assert "identifier agrees" in match.explanation
    assert "王芳" in match.explanation
    assert ZHANG_ID not in match.explanation


def test_two_different_valid_identifiers_exclude() -> None:
    match = score(Party("张伟", "person", ZHANG_ID, BORN, "350102"), Party("张伟", "person", OTHER_ID, BORN, "350102"))

    assert match.score == 0
    assert match.excluded
    assert "identifiers differ" in match.explanation


def test_weights_add_up_name_birth_date_region() -> None:
    mention = Party("陳偉", "person", None, BORN, "350102")

    assert score(mention, Party("陈伟", "person", ZHANG_ID, BORN, "350102")).score == pytest.approx(0.95)
    assert score(mention, Party("陈伟", "person", ZHANG_ID, BORN, "350102")).agreed == (
        VARIANT_NAME,
        BIRTH_DATE,
        REGION,
    )
    assert score(mention, Party("陈炜", "person", ZHANG_ID, BORN, "350102")).score == pytest.approx(0.8)
    assert score(mention, Party("陈炜", "person", ZHANG_ID, BORN, "350203")).score == pytest.approx(0.4)
    # Another birth date is another person, whatever the name.
    assert score(mention, Party("陳偉", "person", ZHANG_ID, date(1980, 5, 2), "350102")).excluded
    assert score(mention, Party("陳偉", "organisation", None, None, "350102")).excluded
    assert score(mention, Party("王伟", "person", ZHANG_ID, BORN, "350102")).excluded


def test_best_keeps_few_close_candidates_and_refuses_a_crowd_of_equals() -> None:
    mention = Party("张伟", "person", None, BORN, "350102")
    subjects = [
        (1, Party("张伟", "person", None, BORN, "350102")),  # 1.0
        (2, Party("章伟", "person", None, BORN, "350102")),  # 0.8
        (3, Party("张伟", "person", None, BORN, "350581")),  # 0.6: more than MARGIN below the best
        (4, Party("张伟", "person", None, date(1981, 5, 1), "350102")),  # excluded
    ]

    assert [sid for sid, _ in best(mention, subjects)] == [1, 2]
    assert [sid for sid, _ in best(mention, subjects[2:])] == [3]
    # Name only: every 张伟 scores the same; none is a better guess than another.
    crowd = [(i, Party("张伟", "person", None, date(1950 + i, 1, 1), "350102")) for i in range(10)]
    assert best(Party("张伟", "person"), crowd) == []
    assert [sid for sid, _ in best(Party("张伟", "person"), crowd[:1])] == [0]
    assert all(m.score >= THRESHOLD for _, m in best(mention, subjects))
