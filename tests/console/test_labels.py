"""Every code the console can show has a label in Chinese and English: the hub's error codes,
the values of the schema's enums the pages show, screening's reason codes and the purposes."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import asyncpg
from graphql import GraphQLEnumType

from hub.console import i18n
from hub.schema import build_schema

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*")
# Callees that take an error code as an argument: error(...), _hub_error(...), RateLimited(...).
CALLEE = re.compile(r"(?i)error|limited|exceeded|refuse|reject")
# Codes that never reach an agency or the console, and why.
NOT_SHOWN = {"EXECUTOR_ANSWERS": "the planner's own signal to hand an operation to the executor"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _codes_in(node: ast.AST) -> list[str]:
    return [
        n.value
        for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and CODE.fullmatch(n.value)
    ]


def error_codes() -> dict[str, str]:
    """Every error code in hub/, with where: ``code = "X"`` (the HubError classes), ``{"code": "X"}``,
    a ``for ..., code in (...)`` table, and codes handed to an error-building call."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "hub").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            codes: list[str] = []
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(_name(t) == "code" for t in targets) and node.value is not None:
                    codes = _codes_in(node.value)
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "code":
                        codes += _codes_in(value)
            elif isinstance(node, ast.For) and isinstance(node.target, ast.Tuple):
                names = [_name(e) for e in node.target.elts]
                if "code" in names and isinstance(node.iter, ast.Tuple | ast.List):
                    at = names.index("code")
                    codes = [
                        row.elts[at].value
                        for row in node.iter.elts
                        if isinstance(row, ast.Tuple) and isinstance(row.elts[at], ast.Constant)
                    ]
                    codes = [c for c in codes if isinstance(c, str) and CODE.fullmatch(c)]
            elif isinstance(node, ast.Call) and CALLEE.search(_name(node.func)):
                args = [*node.args, *(k.value for k in node.keywords if k.arg == "code")]
                codes = [a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                codes = [c for c in codes if CODE.fullmatch(c) and "_" in c]
            for code in codes:
                found.setdefault(code, f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}")
    return {code: where for code, where in found.items() if code not in NOT_SHOWN}


def screening_reasons() -> set[str]:
    """The reason codes of hub/screening/engine.py (``NAME: Final = "NAME"``), decisions aside."""
    tree = ast.parse((ROOT / "hub" / "screening" / "engine.py").read_text(encoding="utf-8"))
    reasons = {
        node.value.value
        for node in tree.body
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.value, ast.Constant)
        and _name(node.target) == node.value.value
    }
    return reasons - {"BLOCK", "REVIEW", "ALLOW", "INVALID"}


def _missing(keys: list[str]) -> list[str]:
    """Keys without a non-empty label in both languages (Chinese with Chinese characters)."""
    bad = []
    for key in keys:
        texts = i18n.MESSAGES.get(key)
        if texts is None or not texts[0].strip() or not texts[1].strip() or not CJK.search(texts[0]):
            bad.append(key)
    return bad


def test_every_error_code_has_a_message_in_both_languages() -> None:
    codes = error_codes()
    assert {"FIELD_NOT_ALLOWED", "QUERY_TOO_DEEP", "NOT_YOUR_COURT", "CONSTRAINT_VIOLATION"} <= set(codes)
    missing = _missing([f"code.{code}" for code in sorted(codes)])
    assert not missing, "add these to CODE_MESSAGES in hub/console/i18n.py: " + ", ".join(
        f"{key} ({codes[key.removeprefix('code.')]})" for key in missing
    )


def test_every_value_of_an_enum_the_console_shows_has_a_label() -> None:
    schema = build_schema()._schema
    missing = []
    for kind in i18n.ENUM_LABELS:
        enum = schema.get_type(kind)
        assert isinstance(enum, GraphQLEnumType), f"{kind} is not an enum of the schema"
        missing += _missing([f"enum.{kind}.{value}" for value in enum.values])
    roles = schema.get_type("ConsoleRole")
    assert isinstance(roles, GraphQLEnumType)
    missing += _missing([f"role.{value.lower()}" for value in roles.values])
    assert not missing, f"add labels to hub/console/i18n.py: {missing}"


def test_the_enums_the_pages_select_are_labelled() -> None:
    """The enum fields the console's scripts select (list, circumstance, decision...) have their
    type in ENUM_LABELS: a page that starts showing another enum needs its labels first."""
    shown = {
        "list": "ListKind",
        "circumstance": "Circumstance",
        "removalReason": "RemovalReason",
        "performance": "Performance",
        "decision": "Decision",
        "outcome": "SanctionOutcome",
    }
    scripts = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "hub/console/static").glob("*.js"))
    for field, kind in shown.items():
        assert re.search(rf"\b{field}\b", scripts), field
        # ListKind is a scalar whose values are data: its labels are LIST_KIND_LABELS (tested below).
        assert kind in i18n.ENUM_LABELS or kind == "ListKind"
    assert "AuditOutcome" in i18n.ENUM_LABELS  # the audit view's outcome


def test_every_screening_reason_has_a_label() -> None:
    reasons = screening_reasons()
    assert {"LISTED", "NOT_LISTED", "HOTEL_BELOW_THRESHOLD"} <= reasons
    assert not _missing([f"reason.{r}" for r in sorted(reasons)]), "add them to REASON_LABELS in hub/console/i18n.py"


async def test_every_list_kind_has_a_label(conn: asyncpg.Connection) -> None:
    """List kinds are data (sanctions.list_kind); the console labels each seeded one."""
    codes = [r["code"].upper() for r in await conn.fetch("SELECT code FROM sanctions.list_kind ORDER BY code")]
    assert {"DISHONEST", "RESTRICTED", "AGRI_PRODUCT_SAFETY", "RED_LIST"} <= set(codes)
    missing = _missing([f"enum.ListKind.{code}" for code in codes])
    assert not missing, f"add them to LIST_KIND_LABELS in hub/console/i18n.py: {missing}"


async def test_every_purpose_has_a_label(conn: asyncpg.Connection) -> None:
    matters = {r["code"] for r in await conn.fetch("SELECT code FROM core.matter")}
    rules = tomllib.loads((ROOT / "hub/policy/rules.toml").read_text(encoding="utf-8"))
    declared = {p for profile in rules["profiles"].values() for p in profile.get("purposes", [])}
    assert "HOTEL_CHECK_IN" in matters
    missing = _missing([f"purpose.{code}" for code in sorted(matters | declared)])
    assert not missing, f"add them to PURPOSE_LABELS in hub/console/i18n.py: {missing}"


def test_the_scan_finds_what_it_should() -> None:
    # A code only named in a call (no class) and one only in a limits table are found.
    codes = error_codes()
    assert "TOO_MANY_ALIASES" in codes
    assert "INTROSPECTION_DISABLED" in codes
    assert "EXECUTOR_ANSWERS" not in codes
    assert _missing(["code.NO_SUCH_CODE"]) == ["code.NO_SUCH_CODE"]
