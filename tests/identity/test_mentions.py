"""Party mentions: held pending, with what a confirmation will need."""

from __future__ import annotations

from datetime import date

import asyncpg
import orjson
import pytest

from hub.identity.mentions import Mention, hold, same_name


def test_same_name_folds_width_spaces_and_middle_dots_only() -> None:
    assert same_name("陈 伟", "陈伟")
    assert same_name("阿卜杜•热合曼", "阿卜杜·热合曼")
    assert same_name("ＡＢＣ公司", "ABC公司")
    assert not same_name("陈伟", "陳偉")  # a variant is a candidate, decided by an operator
    assert not same_name("陈伟", "陈炜")


async def test_a_held_mention_is_pending_with_its_detail(conn: asyncpg.Connection) -> None:
    mention = Mention(
        source="land",
        role="real_estate_owner",
        record_key="闽(2018)福州市不动产权第0012345号",
        kind="person",
        name="林文斌",
        birth_date=date(1976, 4, 12),
        region="350102",
        detail={"share": "0.5"},
    )

    mention_id = await hold(conn, mention)

    row = await conn.fetchrow("SELECT * FROM core.party_mention WHERE id = $1", mention_id)
    assert (row["status"], row["subject_id"], row["identifier"]) == ("pending", None, None)
    assert orjson.loads(row["detail"]) == {"share": "0.5"}
    with pytest.raises(ValueError, match="unknown mention role"):
        await hold(conn, Mention("land", "tenant", "x", "person", "林文斌"))
    with pytest.raises(asyncpg.CheckViolationError):
        await hold(conn, Mention("bank", "case_party", "x", "person", "林文斌"))
