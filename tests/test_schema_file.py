"""schema.graphql is the exported schema, and every part of it is described."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from graphql import GraphQLEnumType, GraphQLInterfaceType, GraphQLObjectType, GraphQLScalarType

from hub.schema import build_schema, schema_sdl

ROOT = Path(__file__).resolve().parent.parent


def test_committed_schema_matches_the_code() -> None:
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == schema_sdl(), "schema.graphql is stale: run `hub export-schema`"


def test_export_schema_command_writes_the_same_file(tmp_path: Path) -> None:
    target = tmp_path / "out.graphql"
    subprocess.run(
        [sys.executable, "-m", "hub.cli", "export-schema", "--output", str(target)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    assert target.read_text(encoding="utf-8") == (ROOT / "schema.graphql").read_text(encoding="utf-8")


def test_every_type_field_argument_and_value_has_a_description() -> None:
    missing: list[str] = []
    for name, kind in build_schema()._schema.type_map.items():
        if name.startswith("__") or (
            isinstance(kind, GraphQLScalarType) and name in {"String", "Int", "Float", "Boolean", "ID"}
        ):
            continue
        if not (kind.description or "").strip():
            missing.append(name)
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in kind.fields.items():
                if not (field.description or "").strip():
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in field.args.items():
                    if not (arg.description or "").strip():
                        missing.append(f"{name}.{field_name}({arg_name})")
        if isinstance(kind, GraphQLEnumType):
            for value_name, value in kind.values.items():
                if not (value.description or "").strip():
                    missing.append(f"{name}.{value_name}")
    assert missing == []
