"""The decision rules, without a database."""

from __future__ import annotations

from hub.errors import InvalidIdentifier
from hub.screening.engine import (
    Catalogue,
    Facts,
    Hotel,
    ListedFact,
    Measure,
    Rules,
    condition_failure,
    decide,
    invalid,
    normalise_name,
)

ALL_REACHED = frozenset({"legal_representative", "principal", "directly_responsible", "actual_controller"})
HOTEL = Measure(
    code="RESTRICT_STAR_HOTEL",
    name="限制在星级以上宾馆酒店等场所高消费",
    lists=frozenset({"dishonest", "restricted"}),
    legal_basis="限高规定第三条第一款第（二）项",
    matters=frozenset({"HOTEL_CHECK_IN"}),
    agency_kinds=frozenset({"police", "tourism"}),
    condition={"hotel_min_stars": 4},
    reaches=ALL_REACHED,
)
ESTATE = Measure(
    code="RESTRICT_REAL_ESTATE",
    name="限制购买不动产",
    lists=frozenset({"dishonest", "restricted"}),
    legal_basis="限高规定第三条第一款第（三）项",
    matters=frozenset({"REAL_ESTATE_REGISTRATION"}),
    agency_kinds=frozenset({"land"}),
    condition=None,
    reaches=frozenset({"legal_representative"}),
)
PROCUREMENT = Measure(
    code="BAR_GOVERNMENT_PROCUREMENT",
    name="限制参与政府采购",
    lists=frozenset({"dishonest"}),
    legal_basis="失信规定第八条第一款",
    matters=frozenset({"GOVERNMENT_PROCUREMENT"}),
    agency_kinds=frozenset({"market"}),
    condition=None,
    reaches=frozenset(),
)
CATALOGUE = Catalogue(
    measures=(HOTEL, ESTATE, PROCUREMENT),
    matters=frozenset({"HOTEL_CHECK_IN", "REAL_ESTATE_REGISTRATION", "GOVERNMENT_PROCUREMENT", "PLATFORM_OVERSIGHT"}),
    list_kinds={"dishonest": "punishment", "restricted": "punishment"},
)
FOUR_STARS = Hotel("FJ-FZ-0002", 4, "open")


def listed(
    subject_id: int = 7, list_kind: str = "dishonest", role: str | None = None, listing_id: int = 70
) -> ListedFact:
    return ListedFact(
        subject_id, listing_id, 1, list_kind, 700, "(2018)闽0102执1867号", "闽0102", "福州市鼓楼区人民法院", role
    )


def rules(matter: str = "REAL_ESTATE_REGISTRATION", kind: str = "land", hotel: Hotel | None = None) -> Rules:
    return Rules(CATALOGUE, matter, kind, hotel)


def test_listed_subject_with_the_same_name_is_blocked() -> None:
    facts = Facts(subject_id=7, subject_name="林文斌", own=[listed()])

    outcome = decide(3, normalise_name("林文斌"), facts, rules())

    assert (outcome.index, outcome.decision, outcome.reasons, outcome.subject_id) == (3, "BLOCK", ("LISTED",), 7)
    [hit] = outcome.measures
    assert (hit.measure_code, hit.reach, hit.via_subject_id, hit.case_number) == (
        "RESTRICT_REAL_ESTATE",
        "self",
        None,
        "(2018)闽0102执1867号",
    )


def test_names_compare_after_nfkc_and_without_whitespace() -> None:
    assert normalise_name(" 林 文斌\u3000") == "林文斌"
    assert normalise_name("ＡＢＣ公司") == "ABC公司"


def test_name_differs_asks_for_review() -> None:
    facts = Facts(subject_id=7, subject_name="林文斌", own=[listed()])

    outcome = decide(0, "林文兵", facts, rules())

    assert (outcome.decision, outcome.reasons, outcome.candidates) == ("REVIEW", ("NAME_DIFFERS",), (7,))


def test_same_name_and_birth_date_asks_for_review_even_when_the_identifier_is_found() -> None:
    facts = Facts(subject_id=9, subject_name="林文斌", namesakes=[listed(subject_id=7)])

    outcome = decide(0, "林文斌", facts, rules())

    assert (outcome.decision, outcome.reasons, outcome.candidates, outcome.subject_id) == (
        "REVIEW",
        ("SAME_NAME_AND_BIRTH_DATE_LISTED",),
        (7,),
        9,
    )


def test_name_only_match_asks_for_review() -> None:
    facts = Facts(name_matches=[listed(subject_id=7), listed(subject_id=8, listing_id=80)])

    outcome = decide(0, "林文斌", facts, rules())

    assert (outcome.decision, outcome.reasons, outcome.candidates) == ("REVIEW", ("NAME_ONLY_MATCH",), (7, 8))


def test_not_listed_is_allowed() -> None:
    outcome = decide(0, "王小明", Facts(subject_id=5, subject_name="王小明"), rules())

    assert (outcome.decision, outcome.reasons, outcome.measures) == ("ALLOW", ("NOT_LISTED",), ())


def test_listed_without_a_measure_for_the_matter_is_allowed() -> None:
    facts = Facts(subject_id=7, subject_name="某公司", own=[listed(list_kind="restricted")])

    outcome = decide(0, "某公司", facts, rules("GOVERNMENT_PROCUREMENT", "market"))

    assert (outcome.decision, outcome.reasons) == ("ALLOW", ("NO_MEASURE_FOR_MATTER",))


def test_a_matter_without_measures_allows_everyone() -> None:
    facts = Facts(subject_id=7, subject_name="林文斌", own=[listed()])

    outcome = decide(0, "林文斌", facts, rules("PLATFORM_OVERSIGHT", "platform"))

    assert (outcome.decision, outcome.reasons) == ("ALLOW", ("NO_MEASURE_FOR_MATTER",))


def test_agency_kind_must_apply_the_measure_unless_platform() -> None:
    facts = Facts(subject_id=7, subject_name="林文斌", own=[listed()])

    assert decide(0, "林文斌", facts, rules(kind="police")).decision == "ALLOW"
    assert decide(0, "林文斌", facts, rules(kind="platform")).decision == "BLOCK"


def test_hotel_condition() -> None:
    facts = Facts(subject_id=7, subject_name="林文斌", own=[listed()])

    def at(hotel: Hotel) -> tuple[str, tuple[str, ...]]:
        outcome = decide(0, "林文斌", facts, rules("HOTEL_CHECK_IN", "police", hotel))
        return outcome.decision, outcome.reasons

    assert at(FOUR_STARS) == ("BLOCK", ("LISTED",))
    assert at(Hotel("FJ-FZ-0001", 5, "open")) == ("BLOCK", ("LISTED",))
    assert at(Hotel("FJ-SM-0001", 3, "open")) == ("ALLOW", ("HOTEL_BELOW_THRESHOLD",))
    assert at(Hotel("FJ-FZ-0003", 5, "closed")) == ("ALLOW", ("HOTEL_CLOSED",))


def test_unknown_condition_never_holds() -> None:
    assert condition_failure({"moon_phase": "full"}, None) == "CONDITION_NOT_MET"
    assert condition_failure(None, None) is None


def test_organisation_listing_reaches_the_roles_its_measures_name() -> None:
    via = [
        listed(subject_id=20, list_kind="restricted", role=role, listing_id=i)
        for i, role in enumerate(("legal_representative", "executive", "actual_controller"))
    ]
    facts = Facts(subject_id=5, subject_name="陈建华", via=via)

    at_hotel = decide(0, "陈建华", facts, rules("HOTEL_CHECK_IN", "police", FOUR_STARS))
    at_registry = decide(0, "陈建华", facts, rules())

    assert at_hotel.decision == "BLOCK"
    assert at_hotel.reasons == ("LISTED_VIA_ORGANISATION",)
    assert [(m.reach, m.via_subject_id) for m in at_hotel.measures] == [
        ("legal_representative", 20),
        ("executive", 20),
        ("actual_controller", 20),
    ]
    # RESTRICT_REAL_ESTATE here reaches the legal representative only.
    assert [m.reach for m in at_registry.measures] == ["legal_representative"]


def test_dishonest_only_measure_ignores_restricted_listings_and_related_persons() -> None:
    restricted = Facts(subject_id=7, subject_name="某公司", own=[listed(list_kind="restricted")])
    related = Facts(subject_id=5, subject_name="许建设", via=[listed(subject_id=7, role="legal_representative")])

    assert decide(0, "某公司", restricted, rules("GOVERNMENT_PROCUREMENT", "market")).decision == "ALLOW"
    outcome = decide(0, "许建设", related, rules("GOVERNMENT_PROCUREMENT", "market"))
    assert (outcome.decision, outcome.reasons) == ("ALLOW", ("NO_MEASURE_FOR_MATTER",))


def test_both_own_and_organisation_listings_are_reported() -> None:
    facts = Facts(
        subject_id=5,
        subject_name="陈建华",
        own=[listed(subject_id=5)],
        via=[listed(subject_id=20, list_kind="restricted", role="legal_representative", listing_id=71)],
    )

    outcome = decide(0, "陈建华", facts, rules())

    assert outcome.reasons == ("LISTED", "LISTED_VIA_ORGANISATION")
    assert [(m.listing_id, m.reach) for m in outcome.measures] == [(70, "self"), (71, "legal_representative")]


def test_invalid_identifier_outcome() -> None:
    error = InvalidIdentifier("resident ID", "check digit should be 1, not 2", 18)

    outcome = invalid(4, error)

    assert (outcome.index, outcome.decision, outcome.error, outcome.subject_id) == (4, "INVALID", error, None)


def test_catalogue_knows_which_matters_need_a_hotel() -> None:
    assert CATALOGUE.needs_hotel("HOTEL_CHECK_IN")
    assert not CATALOGUE.needs_hotel("REAL_ESTATE_REGISTRATION")
