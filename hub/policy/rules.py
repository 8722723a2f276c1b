"""Loading and validating the rules table (``rules.toml``) into per-agency policies."""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema

from hub.errors import ConfigurationError
from hub.policy import AGENCY_KINDS, INGEST_SOURCES, Principal

RULES_PATH = Path(__file__).with_name("rules.toml")
MODES = ("FULL", "MASKED", "NONE")
IDENTIFIERS = {"resident_id": "Person.residentId", "uscc": "Organisation.uscc"}
CASE_NUMBER = "CASE_NUMBER"
STRUCTURAL = ("PageInfo.*", "*Connection.*", "*Edge.*")


@dataclass(frozen=True)
class Profile:
    name: str
    kind: str
    identifiers: Mapping[str, str]
    purposes: frozenset[str]


@dataclass(frozen=True)
class EffectivePolicy:
    """What one agency may do: computed once per agency and rules version, then cached."""

    key: str
    profile: str
    allowed: frozenset[str]
    identifiers: Mapping[str, str]
    purposes: frozenset[str]
    purpose_required: frozenset[str]
    introspection: bool
    operator: bool = False
    # The sources whose data this agency may publish (POST /ingest/{source}, the upserts).
    ingest_sources: frozenset[str] = frozenset()

    def identifier_mode(self, identifier: str) -> str:
        return self.identifiers.get(identifier, "NONE")

    @property
    def plan_key(self) -> str:
        """What a compiled read depends on of the policy: the rules' version and the profile
        (its masking), not the agency (whose own overrides only allow or deny fields, which
        is checked before any plan runs)."""
        return self.key.rsplit(":", 1)[0]


def schema_coordinates(schema: GraphQLSchema) -> dict[str, tuple[str, ...]]:
    """Every ``Type.field`` of the schema, with the interfaces the type implements."""
    coordinates: dict[str, tuple[str, ...]] = {}
    for name, kind in schema.type_map.items():
        if name.startswith("__") or not isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            continue
        interfaces = tuple(i.name for i in kind.interfaces)
        for field_name in kind.fields:
            coordinates[f"{name}.{field_name}"] = interfaces
    return coordinates


@dataclass
class Rules:
    version: str
    profiles: dict[str, Profile]
    groups: dict[str, tuple[str, ...]]
    purpose_required: frozenset[str]
    purpose_not_required: frozenset[str]
    fields: dict[str, frozenset[str]]
    agencies: dict[str, dict[str, Any]]
    coordinates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # For every ingest source, the profiles that may publish it.
    ingest: dict[str, frozenset[str]] = field(default_factory=dict)

    @cached_property
    def readers(self) -> dict[str, frozenset[str]]:
        """For every schema coordinate, the profiles that may select it."""
        resolved: dict[str, frozenset[str]] = {}
        for coordinate, interfaces in self.coordinates.items():
            rule = self._rule_for(coordinate, interfaces)
            if rule is not None:
                resolved[coordinate] = rule
        return resolved

    def _rule_for(self, coordinate: str, interfaces: Iterable[str]) -> frozenset[str] | None:
        type_name, field_name = coordinate.split(".", 1)
        for candidate in (coordinate, f"{type_name}.*"):
            if candidate in self.fields:
                return self.fields[candidate]
        for interface in interfaces:
            inherited = f"{interface}.{field_name}"
            if inherited in self.fields:
                return self.fields[inherited]
        for pattern in STRUCTURAL:
            if fnmatch.fnmatchcase(coordinate, pattern) and pattern in self.fields:
                return self.fields[pattern]
        return None

    def for_principal(self, principal: Principal, *, development: bool) -> EffectivePolicy:
        profile_name = principal.role or principal.kind
        profile = self.profiles.get(profile_name)
        if profile is None or profile.kind != principal.kind:
            # An agency whose kind or role the rules do not know may do nothing.
            return EffectivePolicy(
                key=f"{self.version}:none:{principal.agency_code}",
                profile="none",
                allowed=frozenset(),
                identifiers={},
                purposes=frozenset(),
                purpose_required=self.purpose_required,
                introspection=False,
            )
        allowed = {c for c, readers in self.readers.items() if profile_name in readers or "*" in readers}
        purposes = set(profile.purposes)
        override = self.agencies.get(principal.agency_code, {})
        allowed |= set(override.get("allow", ()))
        allowed -= set(override.get("deny", ()))
        if "purposes" in override:
            purposes = set(override["purposes"])
        for identifier, coordinate in IDENTIFIERS.items():
            if profile.identifiers.get(identifier, "NONE") == "NONE":
                allowed.discard(coordinate)
        operator = profile.kind == "platform"
        sources = frozenset(source for source, writers in self.ingest.items() if profile_name in writers)
        return EffectivePolicy(
            key=f"{self.version}:{profile_name}:{principal.agency_code}",
            profile=profile_name,
            allowed=frozenset(allowed),
            identifiers=profile.identifiers,
            purposes=frozenset(purposes),
            purpose_required=self.purpose_required,
            introspection=development or operator,
            operator=operator,
            ingest_sources=sources,
        )


def load_rules(schema: GraphQLSchema, matters: Iterable[str], path: Path = RULES_PATH) -> Rules:
    """Read and validate the rules; raise ConfigurationError listing every problem."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"cannot read the policy rules {path.name}: {exc}") from None
    return parse_rules(raw, schema, frozenset(matters))


def parse_rules(raw: Mapping[str, Any], schema: GraphQLSchema, matters: frozenset[str]) -> Rules:
    problems: list[str] = []
    coordinates = schema_coordinates(schema)

    profiles: dict[str, Profile] = {}
    for name, spec in raw.get("profiles", {}).items():
        kind = spec.get("kind")
        if kind not in AGENCY_KINDS:
            problems.append(f"profile {name}: kind {kind!r} is not an agency kind")
        identifiers = dict(spec.get("identifiers", {}))
        for identifier in IDENTIFIERS:
            mode = identifiers.setdefault(identifier, "NONE")
            if mode not in MODES:
                problems.append(f"profile {name}: {identifier} must be one of {', '.join(MODES)}")
        for purpose in spec.get("purposes", []):
            if purpose != CASE_NUMBER and purpose not in matters:
                problems.append(f"profile {name}: purpose {purpose} is not a matter in the catalogue")
        profiles[name] = Profile(name, str(kind), MappingProxyType(identifiers), frozenset(spec.get("purposes", [])))

    groups = {name: tuple(members) for name, members in raw.get("groups", {}).items()}

    def expand(members: Iterable[str], where: str) -> frozenset[str]:
        out: set[str] = set()
        for member in members:
            if member == "*":
                out.add("*")
            elif member.startswith("@"):
                if member[1:] not in groups:
                    problems.append(f"{where}: unknown group {member}")
                    continue
                out |= expand(groups[member[1:]], where)
            elif member not in profiles:
                problems.append(f"{where}: unknown profile {member}")
            else:
                out.add(member)
        return frozenset(out)

    fields: dict[str, frozenset[str]] = {}
    known_types = {c.split(".", 1)[0] for c in coordinates}
    for key, members in raw.get("fields", {}).items():
        type_name, _, field_name = key.partition(".")
        if key not in STRUCTURAL and (type_name not in known_types or (field_name != "*" and key not in coordinates)):
            problems.append(f"fields: {key} is not a field of the schema")
        fields[key] = expand(members, f"fields.{key}")

    purpose = raw.get("purpose", {})
    required = frozenset(purpose.get("required", []))
    not_required = frozenset(purpose.get("not_required", []))
    roots = {c for c in coordinates if c.split(".", 1)[0] in ("Query", "Mutation", "Subscription")}
    for root in sorted(roots - required - not_required):
        problems.append(f"purpose: root field {root} is in neither purpose list")
    for root in sorted(required & not_required):
        problems.append(f"purpose: root field {root} is in both purpose lists")
    for root in sorted((required | not_required) - roots):
        problems.append(f"purpose: {root} is not a root field")

    agencies: dict[str, dict[str, Any]] = {}
    for code, spec in raw.get("agencies", {}).items():
        for key in ("allow", "deny"):
            for coordinate in spec.get(key, []):
                if coordinate not in coordinates:
                    problems.append(f"agencies.{code}.{key}: {coordinate} is not a field of the schema")
        for purpose_code in spec.get("purposes", []):
            if purpose_code != CASE_NUMBER and purpose_code not in matters:
                problems.append(f"agencies.{code}: purpose {purpose_code} is not a matter in the catalogue")
        agencies[code] = dict(spec)

    ingest: dict[str, frozenset[str]] = {}
    for source, members in raw.get("ingest", {}).items():
        if source not in INGEST_SOURCES:
            problems.append(f"ingest: {source} is not a source ({', '.join(INGEST_SOURCES)})")
            continue
        writers = expand(members, f"ingest.{source}")
        if "*" in writers:
            problems.append(f"ingest.{source}: a source is published by named profiles, not '*'")
        ingest[source] = writers
    for source in INGEST_SOURCES:
        if source not in ingest:
            problems.append(f"ingest: source {source} has no rule")

    rules = Rules(
        version=str(raw.get("version", "")),
        profiles=profiles,
        groups=groups,
        purpose_required=required,
        purpose_not_required=not_required,
        fields=fields,
        agencies=agencies,
        coordinates=coordinates,
        ingest=ingest,
    )
    if not rules.version:
        problems.append("version is missing")
    for coordinate in sorted(set(coordinates) - set(rules.readers)):
        problems.append(f"fields: {coordinate} has no rule")
    for name, profile in profiles.items():
        birth_readers = rules.readers.get("Person.birthDate", frozenset())
        if profile.identifiers["resident_id"] != "FULL" and (name in birth_readers or "*" in birth_readers):
            problems.append(f"profile {name}: a birth date would reveal the masked resident ID")
    if problems:
        raise ConfigurationError("the policy rules are invalid: " + "; ".join(problems))
    return rules
