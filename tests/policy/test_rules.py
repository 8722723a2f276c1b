"""The rules table itself: complete, consistent, and refused when it is not."""

from __future__ import annotations

import tomllib

import pytest

from hub.errors import ConfigurationError
from hub.policy import Principal
from hub.policy.rules import RULES_PATH, parse_rules, schema_coordinates
from hub.schema import build_schema

MATTERS = frozenset(
    {
        "REAL_ESTATE_REGISTRATION",
        "LUXURY_PROPERTY_PURCHASE",
        "HOTEL_CHECK_IN",
        "ENTERPRISE_REGISTRATION_CHANGE",
        "LEGAL_REPRESENTATIVE_APPOINTMENT",
        "GOVERNMENT_PROCUREMENT",
        "VILLAGE_COMMITTEE_CANDIDACY",
        "CIVIL_SERVICE_RECRUITMENT",
        "FLIGHT_TICKET",
        "HIGH_SPEED_RAIL_TICKET",
        "VEHICLE_REGISTRATION",
        "LOAN_APPROVAL",
        "PRIVATE_SCHOOL_ENROLMENT",
        "HOUSING_SUBSIDY",
        "SOCIAL_ASSISTANCE",
        "VEHICLE_ENFORCEMENT",
        "PLATFORM_OVERSIGHT",
        # 0019_list_kinds.sql
        "AWARD_NOMINATION",
        "FISCAL_SUPPORT",
        "ADMINISTRATIVE_APPROVAL",
        "PUBLIC_SERVICE",
    }
)


def raw() -> dict:  # type: ignore[type-arg]
    return tomllib.loads(RULES_PATH.read_text(encoding="utf-8"))


def principal(kind: str, role: str | None = None, code: str = "X") -> Principal:
    return Principal(agency_id=1, agency_code=code, agency_name="x", kind=kind, region="350000", key_id=1, role=role)


def test_every_schema_field_has_a_rule() -> None:
    schema = build_schema()._schema
    rules = parse_rules(raw(), schema, MATTERS)
    assert set(rules.readers) == set(schema_coordinates(schema))


def test_a_field_without_a_rule_is_refused_by_name() -> None:
    spec = raw()
    del spec["fields"]["Subject.vehicles"]
    with pytest.raises(ConfigurationError, match="Person.vehicles has no rule"):
        parse_rules(spec, build_schema()._schema, MATTERS)


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("fields", "Subject.secret", ["court"], "Subject.secret is not a field"),
        ("fields", "Subject.name", ["court", "spaceport"], "unknown profile spaceport"),
        (
            "profiles",
            "land",
            {"kind": "land", "identifiers": {"resident_id": "MASKED"}, "purposes": ["TEA"]},
            "TEA is not a matter",
        ),
        ("profiles", "land", {"kind": "land", "identifiers": {"resident_id": "MASKED"}, "purposes": []}, None),
    ],
)
def test_bad_rules_are_refused(section: str, key: str, value: object, message: str | None) -> None:
    spec = raw()
    spec[section][key] = value
    if message is None:
        parse_rules(spec, build_schema()._schema, MATTERS)
        return
    with pytest.raises(ConfigurationError, match=message):
        parse_rules(spec, build_schema()._schema, MATTERS)


def test_a_masked_id_next_to_a_birth_date_is_refused() -> None:
    spec = raw()
    spec["fields"]["Person.birthDate"] = ["@birth_date_readers", "land"]
    with pytest.raises(ConfigurationError, match="birth date would reveal"):
        parse_rules(spec, build_schema()._schema, MATTERS)


def test_a_root_field_without_a_purpose_rule_is_refused() -> None:
    spec = raw()
    spec["purpose"]["required"].remove("Query.subject")
    with pytest.raises(ConfigurationError, match="Query.subject is in neither purpose list"):
        parse_rules(spec, build_schema()._schema, MATTERS)


def test_defaults_mirror_practice() -> None:
    rules = parse_rules(raw(), build_schema()._schema, MATTERS)

    def sees(kind: str, *coordinates: str, role: str | None = None) -> list[bool]:
        allowed = rules.for_principal(principal(kind, role), development=False).allowed
        return [c in allowed for c in coordinates]

    # Courts see everything about cases and debtors' assets.
    assert all(sees("court", "Subject.vehicles", "EnforcementCase.amount", "Person.birthDate", "Subject.realEstate"))
    # The land registry: listings and real estate, not vehicles or debt amounts.
    assert sees("land", "Subject.listings", "Subject.realEstate", "Subject.vehicles", "EnforcementCase.amount") == [
        True,
        True,
        False,
        False,
    ]
    # Market supervision: listings, companies, equity, directorships.
    assert all(
        sees(
            "market",
            "Subject.listings",
            "Subject.shareholdings",
            "Person.directorships",
            "Organisation.legalRepresentative",
        )
    )
    assert sees("market", "Subject.vehicles", "Subject.realEstate") == [False, False]
    # Police: listings and vehicles.
    assert sees("police", "Subject.listings", "Subject.vehicles", "Subject.realEstate") == [True, True, False]
    # The hotel system never searches by name nor sees ID numbers.
    assert sees("police", "Query.searchSubjects", "Person.residentId", "Query.hotel", role="hotel") == [
        False,
        False,
        True,
    ]
    # Tourism: hotels only.
    assert sees("tourism", "Query.hotels", "Query.subject", "Subject.listings") == [True, False, False]
    # Only the operator administers agencies.
    assert sees("platform", "Mutation.createAgency") == [True]
    assert sees("court", "Mutation.createAgency", "Query.agencies") == [False, False]


def test_an_unknown_kind_or_role_may_do_nothing() -> None:
    rules = parse_rules(raw(), build_schema()._schema, MATTERS)
    assert rules.for_principal(principal("police", role="wizard"), development=True).allowed == frozenset()
    # A role of another kind does not carry over.
    assert rules.for_principal(principal("court", role="hotel"), development=True).allowed == frozenset()


def test_per_agency_overrides() -> None:
    spec = raw()
    spec["agencies"]["FZ-LAND"] = {
        "allow": ["Subject.vehicles", "Vehicle.plate"],
        "deny": ["Subject.realEstate"],
        "purposes": ["LOAN_APPROVAL"],
    }
    rules = parse_rules(spec, build_schema()._schema, MATTERS)
    policy = rules.for_principal(principal("land", code="FZ-LAND"), development=False)
    assert {"Subject.vehicles", "Vehicle.plate"} <= policy.allowed
    assert "Subject.realEstate" not in policy.allowed
    assert policy.purposes == {"LOAN_APPROVAL"}
