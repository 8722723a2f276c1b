"""Natural keys and organisation names of a synthetic run are unique by construction.

The generator keeps no set of the keys it has used and looks none up in the database: each
comes from a counter. These build chunks in memory (no database) and check that nothing
repeats across chunks, and what happens when a counter's space runs out.
"""

from __future__ import annotations

from collections import Counter

import pytest

from hub.identity import parse_resident_id, parse_uscc
from hub.seed import synthetic
from hub.seed.names import nth_trade_name

# (Chunk attribute, column) of every key the database holds unique, and the names.
KEYS = (
    ("subjects", 1),  # resident ID or USCC
    ("subjects", 2),  # name (organisations only)
    ("cases", 0),  # case number
    ("estates", 0),  # certificate number
    ("estates", 1),  # unit number
    ("vehicles", 0),  # plate
    ("vehicles", 1),  # VIN
)


def _repeats(chunks: list[synthetic.Chunk]) -> dict[tuple[str, int], list[str]]:
    found: dict[tuple[str, int], list[str]] = {}
    for attr, pos in KEYS:
        values: Counter[str] = Counter()
        for chunk in chunks:
            for row in getattr(chunk, attr):
                if row[pos] is not None and (pos != 2 or row[0] == "organisation"):
                    values[row[pos]] += 1
        found[(attr, pos)] = [v for v, n in values.items() if n > 1]
    return found


def test_no_key_repeats_across_chunks() -> None:
    serials = synthetic._Serials()
    chunks = [synthetic.build_chunk(13, i, 3_000, serials) for i in range(6)]
    assert all(not repeats for repeats in _repeats(chunks).values()), _repeats(chunks)
    assert sum(len(c.vehicles) for c in chunks) > 5_000
    for row in chunks[-1].subjects:
        parsed = parse_resident_id(row[1]) if row[0] == "person" else parse_uscc(row[1])
        assert parsed.region_code == row[5]


def test_the_same_serials_give_the_same_chunks() -> None:
    runs = []
    for _ in range(2):
        serials = synthetic._Serials()
        runs.append([synthetic.build_chunk(5, i, 1_000, serials) for i in range(3)])
    assert runs[0] == runs[1]
    # A chunk depends on the ones before it: the same chunk after none differs.
    assert synthetic.build_chunk(5, 1, 1_000) != runs[0][1]


def test_trade_names_do_not_repeat_and_grow_longer() -> None:
    names = [nth_trade_name(n, salt=99) for n in range(60_000)]
    assert len(set(names)) == len(names)
    assert {len(n) for n in names[:5_256]} == {2}
    assert {len(n) for n in names[5_256:]} == {3}
    assert all(a != b for name in names for a, b in zip(name, name[1:], strict=False))


def test_a_full_resident_id_day_moves_the_birth_day(monkeypatch: pytest.MonkeyPatch) -> None:
    # One sequence per county, day and sex: every person needs a cell of their own.
    monkeypatch.setattr(synthetic, "_RID_SLOTS", 1)
    serials = synthetic._Serials()
    chunks = [synthetic.build_chunk(3, i, 5_000, serials) for i in range(2)]
    ids = [r[1] for c in chunks for r in c.subjects if r[0] == "person"]
    assert len(set(ids)) == len(ids) > 8_000
    assert max(serials.rid) == 1


def test_a_used_up_plate_shape_gives_way_and_then_the_city_is_full(monkeypatch: pytest.MonkeyPatch) -> None:
    for shape in synthetic._PLATE_SPACE:
        monkeypatch.setitem(synthetic._PLATE_SPACE, shape, 2)
    serials = synthetic._Serials()
    rng = synthetic._chunk_rng(1, 0)
    plates = [synthetic._next_plate(rng.random, "A", serials.next) for _ in range(2 * len(synthetic._PLATE_SPACE))]
    assert len(set(plates)) == len(plates)
    with pytest.raises(ValueError, match="闽A"):
        synthetic._next_plate(rng.random, "A", serials.next)
