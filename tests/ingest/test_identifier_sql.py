"""0009 rewrites the identifier checks of 0001 as inlinable expressions: the same answers."""

from __future__ import annotations

import random

import asyncpg

from hub.identity import make_resident_id, make_uscc

OLD_RESIDENT_ID = """CREATE FUNCTION pg_temp.old_resident_id(n text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT n ~ '^[1-9][0-9]{16}[0-9X]$'
       AND substr('10X98765432',
              (SELECT sum(substr(n, i, 1)::int * ((2 ^ (18 - i))::int % 11)) % 11
                 FROM generate_series(1, 17) AS i)::int + 1, 1) = substr(n, 18, 1)
$$"""
OLD_USCC = """CREATE FUNCTION pg_temp.old_uscc(c text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT c ~ '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$'
       AND substr('0123456789ABCDEFGHJKLMNPQRTUWXY',
              ((31 - (SELECT sum((strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(c, i, 1)) - 1)
                                 * ((3::numeric ^ (i - 1)) % 31)::int) % 31
                        FROM generate_series(1, 17) AS i)::int) % 31) + 1, 1) = substr(c, 18, 1)
$$"""
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _samples() -> list[str]:
    rng = random.Random(9)
    out: list[str] = []
    for n in range(600):
        person = make_resident_id(
            "350102", __import__("datetime").date(1950 + n % 60, 1 + n % 12, 1 + n % 28), n % 1000
        )
        org = make_uscc("9", "1", "350102", "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8)))
        for value in (person, org):
            out.append(value)
            # one character changed: mostly invalid, sometimes valid by chance
            i = rng.randrange(18)
            out.append(value[:i] + rng.choice(ALPHABET + "XZIO") + value[i + 1 :])
    out += ["", "X" * 18, "35010219800314131", "3501021980031413141", "35010219800314131x"]
    return out


async def test_the_rewritten_checks_answer_as_the_originals(conn: asyncpg.Connection) -> None:
    await conn.execute(OLD_RESIDENT_ID)
    await conn.execute(OLD_USCC)
    rows = await conn.fetch(
        """SELECT v, core.is_valid_resident_id(v) AS new_id, pg_temp.old_resident_id(v) AS old_id,
                  core.is_valid_uscc(v) AS new_uscc, pg_temp.old_uscc(v) AS old_uscc
             FROM unnest($1::text[] || ARRAY[NULL]) AS v""",
        _samples(),
    )
    assert sum(r["new_id"] is True for r in rows) > 500
    assert sum(r["new_uscc"] is True for r in rows) > 500
    assert [(r["v"], r["new_id"], r["new_uscc"]) for r in rows] == [(r["v"], r["old_id"], r["old_uscc"]) for r in rows]
