"""core.name_key (SQL, frozen in the migration) and the Python readings agree."""

from __future__ import annotations

import json
import random

import asyncpg

from hub.db.queries import QUERIES
from hub.identity.names import NameKeys, pinyin_keys
from hub.seed.names import person_name


async def test_the_stored_key_is_one_of_the_python_keys_for_seeded_names(conn: asyncpg.Connection) -> None:
    rnd = random.Random(7)
    names = sorted({person_name(rnd.random, rnd.random() < 0.5, rnd.randint(1940, 2004)) for _ in range(2000)})
    names += ["陳偉", "單偉", "曾国藩", "解放", "阿卜杜•热合曼", "ＡＢＣ 公司"]

    keys = await conn.fetch("SELECT n, core.name_key(n) AS key FROM unnest($1::text[]) AS n", names)

    missing = [(r["n"], r["key"]) for r in keys if r["key"] not in pinyin_keys(r["n"], limit=4096)]
    assert missing == []
    by_name = {r["n"]: r["key"] for r in keys}
    assert by_name["陳偉"] == "chen wei"
    assert by_name["單偉"] == "shan wei"  # a surname's reading, traditional form folded
    assert by_name["曾国藩"] == "zeng guo fan"
    assert by_name["ＡＢＣ 公司"] == "a b c gong si"


async def test_python_computes_the_same_key_from_the_databases_maps(conn: asyncpg.Connection) -> None:
    rnd = random.Random(11)
    names = sorted({person_name(rnd.random, rnd.random() < 0.5, rnd.randint(1940, 2004)) for _ in range(2000)})
    names += ["陳偉", "單偉", "曾国藩", "解放", "阿卜杜•热合曼", "ＡＢＣ 公司", "福州長興貿易有限公司", "x", "䶮"]
    row = await conn.fetchrow(QUERIES.screening.name_key_maps)
    keys = NameKeys(json.loads(row["readings"]), json.loads(row["surnames"]))

    stored = await conn.fetch("SELECT n, core.name_key(n) AS key FROM unnest($1::text[]) AS n", names)

    assert [(r["n"], keys.key(r["n"])) for r in stored] == [(r["n"], r["key"]) for r in stored]
