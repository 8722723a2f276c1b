"""Name features and the candidate scorer: is this party the same as that subject, and why.

Pure: no I/O. Two written names are compared on four levels, strongest first:

    exact     equal after ``normalise_name`` (NFKC, no whitespace, one middle dot)
    variant   equal once traditional characters are folded to simplified (OpenCC ``t2s``):
              陳偉 / 陈伟, 張偉 / 张伟
    pinyin    as many characters, and at each position the two characters share a tone-less
              reading (pypinyin, every heteronym; a surname's own reading counts for the first
              character): 张伟 / 章伟 (zhang wei), 单伟 / 善伟 (shan wei), 曾 zeng / ceng
    none      anything else

``score`` weighs the name with the identifier, the birth date and the region:

    identifier   both known and equal: decisive, score 1.0 (the name is still explained)
                 both known and different: excluded, score 0 (two valid IDs, two parties)
    name         exact 0.50, variant 0.45, pinyin 0.30; no agreement excludes
    birth date   both known and equal +0.30; both known and different excludes
    region       both known and equal +0.20; both known and different -0.20
    kind         a person is never an organisation: excluded

Scores are capped at 1.0. A candidate is proposed when its score reaches ``THRESHOLD``; of
those, at most ``TOP_N``, and none more than ``MARGIN`` below the best (a subject the best
one explains better is another person); when more than ``TOP_N`` tie for the best, none (a
name alone does not single out one of many 张伟). So 张伟 born 1980-05-01 in 350102 meets the 张伟 of
that birth date and region (1.0) and never the hundreds of other 张伟.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Final

import opencc
from pypinyin import Style, pinyin

from hub.identity.regions import region_name

IDENTIFIER: Final = "identifier"
EXACT_NAME: Final = "exact_name"
VARIANT_NAME: Final = "variant_name"
PINYIN: Final = "pinyin"
BIRTH_DATE: Final = "birth_date"
REGION: Final = "region"

WEIGHTS: Final = {EXACT_NAME: 0.50, VARIANT_NAME: 0.45, PINYIN: 0.30, BIRTH_DATE: 0.30, REGION: 0.20}
REGION_DISAGREES: Final = -0.20
THRESHOLD: Final = 0.50
MARGIN: Final = 0.30
TOP_N: Final = 5
# Retrieval keys per name: every combination of the characters' readings, up to this many.
MAX_KEYS: Final = 64

# Surnames read otherwise than the character's first reading (单 shan, not dan). The same
# table is in sql/migrations/0010_identity.sql (core.name_key), where it must stay equal.
SURNAME_READINGS: Final[dict[str, str]] = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "区": "ou",
    "查": "zha",
    "覃": "qin",
    "盖": "ge",
    "乐": "yue",
    "召": "shao",
    "折": "she",
    "种": "chong",
    "缪": "miao",
    "秘": "bi",
    "宿": "su",
    "翟": "zhai",
    "员": "yun",
    "繁": "po",
    "句": "gou",
    "蕃": "pi",
    "隗": "wei",
    "逄": "pang",
    "柏": "bai",
    "薄": "bo",
    "贾": "jia",
    "重": "chong",
    "沈": "shen",
    "藏": "zang",
    "车": "che",
    "殷": "yin",
    "叶": "ye",
    "长": "chang",
    "阚": "kan",
    "冼": "xian",
    "万": "wan",
    "澹": "tan",
    "任": "ren",
    "那": "na",
    "黑": "he",
    "祭": "zhai",
    "尉": "yu",
    "令": "ling",
}

_T2S = opencc.OpenCC("t2s")
_DOTS = str.maketrans({"•": "·", "・": "·", "．": "·", "‧": "·"})


def normalise_name(name: str) -> str:
    """NFKC, no whitespace, one form of the middle dot in transliterated names."""
    folded = unicodedata.normalize("NFKC", name)
    return "".join(folded.split()).translate(_DOTS)


@lru_cache(maxsize=65536)
def fold(name: str) -> str:
    """The normalised name with traditional characters folded to simplified, one by one.

    Never phrase by phrase: OpenCC's phrases would read a name as words (沈思东 as 沉思 + 东).
    """
    return "".join(fold_char(ch) for ch in normalise_name(name))


@lru_cache(maxsize=16384)
def fold_char(ch: str) -> str:
    """One character folded to simplified (itself when it has no single-character form)."""
    out = str(_T2S.convert(ch))
    return out if len(out) == 1 else ch


@lru_cache(maxsize=16384)
def _char_readings(ch: str) -> frozenset[str]:
    if not _is_han(ch):
        return frozenset({ch.lower()})
    found = pinyin(fold_char(ch), style=Style.NORMAL, heteronym=True, errors="ignore")
    readings = {r for r in (found[0] if found else []) if r}
    if ch != fold_char(ch):
        found = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore")
        readings.update(r for r in (found[0] if found else []) if r)
    return frozenset(readings or {ch})


def _is_han(ch: str) -> bool:
    cp = ord(ch)
    return 0x3400 <= cp <= 0x4DBF or 0x4E00 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x323AF


@lru_cache(maxsize=65536)
def readings(name: str) -> tuple[frozenset[str], ...]:
    """Per character, its tone-less readings (and its simplified form's); the first also its surname reading."""
    normal = normalise_name(name)
    out = [_char_readings(ch) for ch in normal]
    surname = fold_char(normal[0]) if normal else ""
    if surname in SURNAME_READINGS:
        out[0] = out[0] | {SURNAME_READINGS[surname]}
    return tuple(out)


def pinyin_keys(name: str, limit: int = MAX_KEYS) -> list[str]:
    """Retrieval keys: space-separated readings, one per character, for combinations of readings.

    The same format as ``core.name_key`` in SQL (which keeps one reading per character), so a
    subject whose stored key is any of these is found by the index on it.
    """
    per_char = [sorted(r) for r in readings(name)]
    keys: list[str] = []
    for combo in itertools.product(*per_char):
        keys.append(" ".join(combo))
        if len(keys) >= limit:
            break
    return keys


def same_pinyin(a: str, b: str) -> bool:
    """Same number of characters, and every position shares a tone-less reading."""
    ra, rb = readings(a), readings(b)
    return len(ra) == len(rb) and len(ra) > 0 and all(x & y for x, y in zip(ra, rb, strict=True))


def name_agreement(a: str, b: str) -> str | None:
    """EXACT_NAME, VARIANT_NAME, PINYIN, or None when the names do not agree."""
    if normalise_name(a) == normalise_name(b):
        return EXACT_NAME
    if fold(a) == fold(b):
        return VARIANT_NAME
    if same_pinyin(a, b):
        return PINYIN
    return None


class NameKeys:
    """``core.name_key`` in Python, from the maps the database holds (``core.name_key_readings``,
    ``core.name_key_surnames``), so a key computed here finds the subjects indexed there."""

    __slots__ = ("_readings", "_surnames")

    def __init__(self, readings: Mapping[str, str], surnames: Mapping[str, str]) -> None:
        self._readings = dict(readings)
        self._surnames = dict(surnames)

    def key(self, name: str) -> str:
        """The key of a name; '' for a name with no characters."""
        out: list[str] = []
        for ch in normalise_name(name):
            reading = self._surnames.get(ch) if not out else None
            out.append(reading or self._readings.get(ch) or ch.lower())
        return " ".join(out)


@dataclass(frozen=True, slots=True)
class Party:
    """What is known of one side: a mention, a screened identity, or a subject."""

    name: str
    kind: str | None = None  # person or organisation; None when unknown
    identifier: str | None = None  # normalised and valid, or None
    birth_date: date | None = None
    region: str | None = None

    def key(self) -> str:
        """The features that a rejection is remembered by (no whitespace, traditional kept)."""
        return "|".join(
            [
                self.kind or "",
                normalise_name(self.name),
                self.identifier or "",
                self.birth_date.isoformat() if self.birth_date else "",
                self.region or "",
            ]
        )


@dataclass(frozen=True, slots=True)
class Match:
    """How well a subject fits a party: 0 (excluded) to 1, the features that agreed, and why."""

    score: float
    agreed: tuple[str, ...]
    explanation: str

    @property
    def excluded(self) -> bool:
        return self.score <= 0


_NAME_WORDS: Final = {
    EXACT_NAME: "is the same name as",
    VARIANT_NAME: "is a traditional/simplified variant of",
    PINYIN: "reads the same in pinyin as",
}


def _excluded(why: str) -> Match:
    return Match(0.0, (), why)


def _region(code: str) -> str:
    named = region_name(code)
    return f"{code} {named}" if named else code


def score(party: Party, subject: Party) -> Match:
    """How ``subject`` fits ``party`` (see the module's table); deterministic."""
    if party.kind is not None and subject.kind is not None and party.kind != subject.kind:
        return _excluded(f"kinds differ ({party.kind} / {subject.kind})")
    same_id = party.identifier is not None and party.identifier == subject.identifier
    if party.identifier is not None and subject.identifier is not None and not same_id:
        return _excluded("the identifiers differ: two valid identifiers are two parties")
    name = name_agreement(party.name, subject.name)
    agreed: list[str] = []
    notes: list[str] = []
    total = 0.0
    if same_id:
        agreed.append(IDENTIFIER)
        notes.append("identifier agrees")
    if name is not None:
        agreed.append(name)
        total += WEIGHTS[name]
        notes.append(f"name {party.name} {_NAME_WORDS[name]} {subject.name}")
    elif not same_id:
        return _excluded(f"name {party.name} does not match {subject.name}")
    else:
        notes.append(f"name {party.name} differs from {subject.name}")
    if party.birth_date is not None and subject.birth_date is not None:
        if party.birth_date == subject.birth_date:
            agreed.append(BIRTH_DATE)
            total += WEIGHTS[BIRTH_DATE]
            notes.append(f"birth date agrees ({party.birth_date.isoformat()})")
        elif not same_id:
            return _excluded(f"birth dates differ ({party.birth_date.isoformat()} / {subject.birth_date.isoformat()})")
        else:
            notes.append("birth date differs")
    if party.region is not None and subject.region is not None:
        if party.region == subject.region:
            agreed.append(REGION)
            total += WEIGHTS[REGION]
            notes.append(f"region agrees ({_region(party.region)})")
        else:
            total += REGION_DISAGREES
            notes.append(f"region differs ({_region(party.region)} / {_region(subject.region)})")
    value = 1.0 if same_id else round(max(0.0, min(1.0, total)), 3)
    return Match(value, tuple(agreed), "; ".join(notes) + f"; score {value:.2f}")


def best(party: Party, subjects: Iterable[tuple[int, Party]], top_n: int = TOP_N) -> list[tuple[int, Match]]:
    """The subjects worth proposing for ``party``, best first (ties by subject id)."""
    scored = [(sid, score(party, s)) for sid, s in subjects]
    kept = sorted(((sid, m) for sid, m in scored if m.score >= THRESHOLD), key=lambda x: (-x[1].score, x[0]))
    if not kept:
        return []
    top = kept[0][1].score
    if sum(1 for _, m in kept if m.score == top) > top_n:
        # A crowd of equals (张伟, name only): proposing some of them would be a guess.
        return []
    floor = top - MARGIN
    return [(sid, m) for sid, m in kept if m.score >= floor - 1e-9][:top_n]
