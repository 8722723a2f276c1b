"""Reading subjects across the four sources through the real HTTP interface."""

from __future__ import annotations

from typing import Any

import httpx

from hub.db.database import Database
from hub.identity import make_resident_id
from tests.conftest import gql

EVERYTHING_ABOUT_A_PERSON = """
query($id: String!) {
  subjectByResidentId(residentId: $id) {
    id name kind region { code name }
    ... on Person { residentId sex birthDate }
    listings { nodes { list circumstance publishedOn termMonths expiresOn active
                       case { caseNumber court { code name level } amount performance } } }
    cases { nodes { caseNumber filedOn obligation } }
    realEstate { nodes { share estate { certificateNumber address areaM2 sealed
                         encumbrances { kind holder case { caseNumber } } } } }
    vehicles { nodes { plate vin seized seizures { seizedOn case { caseNumber } } } }
    shareholdings { nodes { share company { name ... on Organisation { uscc } } } }
  }
}
"""

LIN_ID = make_resident_id("350102", __import__("datetime").date(1976, 4, 12), 271)
WU_ID = make_resident_id("350581", __import__("datetime").date(1983, 6, 30), 91)


async def test_one_response_carries_court_land_market_data(
    app_client: httpx.AsyncClient, auth: dict[str, str], stories: dict[str, int]
) -> None:
    body = await gql(app_client, auth, EVERYTHING_ABOUT_A_PERSON, {"id": LIN_ID})
    assert "errors" not in body
    lin = body["data"]["subjectByResidentId"]
    assert lin["name"] == "林文斌"
    assert lin["id"] == str(stories["lin"])
    assert lin["region"] == {"code": "350102", "name": "福建省福州市鼓楼区"}
    assert lin["birthDate"] == "1976-04-12"
    assert lin["sex"] == "MALE"
    [listing] = lin["listings"]["nodes"]
    assert listing["list"] == "DISHONEST"
    assert listing["active"] is True
    assert listing["case"]["caseNumber"] == "(2018)闽0102执1867号"
    assert listing["case"]["court"] == {"code": "闽0102", "name": "福州市鼓楼区人民法院", "level": "BASIC"}
    assert listing["case"]["amount"] == "486000.00"
    # Refusing with the ability to pay: listed until the obligation is performed.
    assert listing["termMonths"] is None
    assert listing["expiresOn"] is None
    [holding] = lin["realEstate"]["nodes"]
    assert holding["estate"]["sealed"] is True
    assert holding["estate"]["encumbrances"][0]["case"]["caseNumber"] == "(2018)闽0102执1867号"
    [equity] = lin["shareholdings"]["nodes"]
    assert equity["company"]["name"] == "福州鑫源贸易有限公司"
    assert equity["share"] == "0.200000"


async def test_police_vehicles_and_seizures(
    app_client: httpx.AsyncClient, auth: dict[str, str], stories: dict[str, int]
) -> None:
    body = await gql(app_client, auth, EVERYTHING_ABOUT_A_PERSON, {"id": WU_ID})
    wu = body["data"]["subjectByResidentId"]
    [car] = wu["vehicles"]["nodes"]
    assert car["plate"] == "闽C8K726"
    assert car["seized"] is True
    assert car["seizures"][0]["case"]["caseNumber"] == "(2018)闽0581执956号"


async def test_first_generation_full_width_and_lower_case_ids_find_the_same_person(
    app_client: httpx.AsyncClient, auth: dict[str, str], stories: dict[str, int]
) -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in LIN_ID)
    for variant in (full_width, f"  {LIN_ID}  "):
        body = await gql(
            app_client, auth, "query($id: String!) { subjectByResidentId(residentId: $id) { id } }", {"id": variant}
        )
        assert body["data"]["subjectByResidentId"] == {"id": str(stories["lin"])}


async def test_an_organisation_reaches_its_legal_representative_and_controllers(
    app_client: httpx.AsyncClient, auth: dict[str, str], stories: dict[str, int]
) -> None:
    query = """
    query($id: ID!) { subject(id: $id) { name ... on Organisation {
        uscc registration { companyType status registeredCapital }
        legalRepresentative { name listings { nodes { list active } } }
        actualControllers { name }
        officers { role person { name } }
        shareholders { nodes { share holder { name } } }
        listings { nodes { list circumstance } } } } }
    """
    body = await gql(app_client, auth, query, {"id": str(stories["firm"])})
    firm = body["data"]["subject"]
    assert firm["registration"]["companyType"] == "LIMITED_LIABILITY"
    assert firm["legalRepresentative"]["name"] == "陈建华"
    assert firm["legalRepresentative"]["listings"]["nodes"] == [{"list": "DISHONEST", "active": True}]
    assert firm["actualControllers"] == [{"name": "陈建华"}]
    assert {(o["role"], o["person"]["name"]) for o in firm["officers"]} == {
        ("LEGAL_REPRESENTATIVE", "陈建华"),
        ("ACTUAL_CONTROLLER", "陈建华"),
    }
    assert sorted(s["holder"]["name"] for s in firm["shareholders"]["nodes"]) == ["林文斌", "陈建华"]
    assert firm["listings"]["nodes"] == [{"list": "RESTRICTED", "circumstance": None}]


async def test_a_person_reaches_their_companies(
    app_client: httpx.AsyncClient, auth: dict[str, str], stories: dict[str, int]
) -> None:
    query = (
        "query($id: ID!) { subject(id: $id) { ... on Person { directorships { nodes { role company { name } } } } } }"
    )
    body = await gql(app_client, auth, query, {"id": str(stories["chen"])})
    roles = body["data"]["subject"]["directorships"]["nodes"]
    assert {r["company"]["name"] for r in roles} == {"福州鑫源贸易有限公司"}
    assert {r["role"] for r in roles} == {"LEGAL_REPRESENTATIVE", "ACTUAL_CONTROLLER"}


async def test_a_case_reaches_its_subjects_and_court(
    app_client: httpx.AsyncClient, auth: dict[str, str], stories: dict[str, int]
) -> None:
    query = """query { enforcementCase(caseNumber: "（2018）闽0105执2231号") {
        caseNumber filedOn court { name } subjects { nodes { name kind } } listings { list } } }"""
    body = await gql(app_client, auth, query)
    case = body["data"]["enforcementCase"]
    assert case["court"]["name"] == "福州市马尾区人民法院"
    assert {(s["name"], s["kind"]) for s in case["subjects"]["nodes"]} == {
        ("陈建华", "PERSON"),
        ("福州鑫源贸易有限公司", "ORGANISATION"),
    }
    assert sorted(x["list"] for x in case["listings"]) == ["DISHONEST", "RESTRICTED"]


async def test_removed_listings_are_left_out_unless_asked_for(
    app_client: httpx.AsyncClient, auth: dict[str, str], stories: dict[str, int], db: Database
) -> None:
    await db.execute(
        "UPDATE court.listing SET removed_on = DATE '2018-06-20', removal_reason = 'paid' WHERE subject_id = $1",
        stories["cao"],
    )
    query = """query($id: ID!) { subject(id: $id) {
        current: listings { nodes { id } }
        all: listings(includeRemoved: true) { nodes { removedOn removalReason active } } } }"""
    body = await gql(app_client, auth, query, {"id": str(stories["cao"])})
    cao = body["data"]["subject"]
    assert cao["current"]["nodes"] == []
    assert cao["all"]["nodes"] == [{"removedOn": "2018-06-20", "removalReason": "PAID", "active": False}]


async def test_unknown_subjects_are_null(app_client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    body = await gql(
        app_client, auth, '{ subject(id: "999999999") { id } subjectByUscc(uscc: "91350100M000100Y43") { id } }'
    )
    assert body == {"data": {"subject": None, "subjectByUscc": None}}


async def test_search_finds_exact_partial_and_similar_names(
    app_client: httpx.AsyncClient, auth: dict[str, str], stories: dict[str, int]
) -> None:
    query = "query($name: String!) { searchSubjects(name: $name, first: 5) { nodes { name } } }"
    exact = await gql(app_client, auth, query, {"name": "林文斌"})
    assert exact["data"]["searchSubjects"]["nodes"][0]["name"] == "林文斌"
    partial = await gql(app_client, auth, query, {"name": "鑫源贸易"})
    assert partial["data"]["searchSubjects"]["nodes"][0]["name"] == "福州鑫源贸易有限公司"
    similar = await gql(app_client, auth, query, {"name": "福州鑫源商贸有限公司"})
    assert "福州鑫源贸易有限公司" in [n["name"] for n in similar["data"]["searchSubjects"]["nodes"]]


async def _walk(
    client: httpx.AsyncClient, auth: dict[str, str], query: str, variables: dict[str, Any], path: list[str]
) -> list[Any]:
    seen: list[Any] = []
    after = None
    for _ in range(100):
        body = await gql(client, auth, query, {**variables, "after": after})
        assert "errors" not in body, body
        connection = body["data"]
        for key in path:
            connection = connection[key]
        seen.extend(edge["node"] for edge in connection["edges"])
        if not connection["pageInfo"]["hasNextPage"]:
            return seen
        after = connection["pageInfo"]["endCursor"]
    raise AssertionError("pagination did not end")


async def test_same_name_people_page_through_search_in_a_stable_order(
    app_client: httpx.AsyncClient, auth: dict[str, str], db: Database
) -> None:
    # Given seven people called 张伟, born on different days in different counties
    for i, region in enumerate(["350102", "350103", "350203", "350429", "350581", "350602", "350702"]):
        number = make_resident_id(region, __import__("datetime").date(1980 + i, 1 + i, 10 + i), 11 + 2 * i)
        await db.execute(
            "INSERT INTO core.subject (kind, identifier, name, sex, birth_date, region) "
            "VALUES ('person', $1, '张伟', 'male', to_date(substr($1, 7, 8), 'YYYYMMDD'), $2)",
            number,
            region,
        )
    query = """query($after: String) { searchSubjects(name: "张伟", first: 3, after: $after) {
        edges { node { id name ... on Person { birthDate region { code } } } }
        pageInfo { hasNextPage endCursor } } }"""
    people = await _walk(app_client, auth, query, {}, ["searchSubjects"])
    zhang_wei = [p for p in people if p["name"] == "张伟"]
    assert len(zhang_wei) == 7
    assert len({p["id"] for p in people}) == len(people)  # no repeats across pages
    assert len({(p["birthDate"], p["region"]["code"]) for p in zhang_wei}) == 7
    again = await _walk(app_client, auth, query, {}, ["searchSubjects"])
    assert again == people


async def test_child_lists_page_with_cursors(
    app_client: httpx.AsyncClient, auth: dict[str, str], stories: dict[str, int], db: Database
) -> None:
    # Given the firm has five shareholders (the two of the story and three more)
    for i in range(3):
        number = make_resident_id("350102", __import__("datetime").date(1990, 1, 1 + i), 21 + 2 * i)
        holder = await db.fetchval(
            "INSERT INTO core.subject (kind, identifier, name, sex, birth_date, region) "
            "VALUES ('person', $1, '股东' || $2, 'male', to_date(substr($1, 7, 8), 'YYYYMMDD'), '350102') RETURNING id",
            number,
            str(i),
        )
        await db.execute(
            "UPDATE market.shareholding SET share = share - 0.05 WHERE company_id = $1 AND holder_id = $2",
            stories["firm"],
            stories["chen"],
        )
        await db.execute("INSERT INTO market.shareholding VALUES ($1, $2, 0.05, 100)", stories["firm"], holder)
    query = """query($id: ID!, $after: String) { subject(id: $id) { ... on Organisation {
        shareholders(first: 2, after: $after) { edges { node { holder { id } } } pageInfo { hasNextPage endCursor } } } } }"""
    holders = await _walk(app_client, auth, query, {"id": str(stories["firm"])}, ["subject", "shareholders"])
    ids = [int(h["holder"]["id"]) for h in holders]
    assert len(ids) == 5
    assert ids == sorted(ids)


async def test_a_cursor_from_one_list_does_not_continue_another(
    app_client: httpx.AsyncClient, auth: dict[str, str], stories: dict[str, int]
) -> None:
    body = await gql(app_client, auth, '{ searchSubjects(name: "林", first: 1) { pageInfo { endCursor } } }')
    cursor = body["data"]["searchSubjects"]["pageInfo"]["endCursor"]
    query = "query($id: ID!, $after: String) { subject(id: $id) { cases(after: $after) { nodes { id } } } }"
    wrong = await gql(app_client, auth, query, {"id": str(stories["lin"]), "after": cursor})
    assert wrong["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
