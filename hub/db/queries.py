"""Named SQL, loaded from ``sql/queries/<module>.sql``.

Each file holds statements headed by ``-- name: <identifier>``; the text up to the next
header is the statement. ``QUERIES.court.listings_by_subjects`` is its text.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

_HEADER = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


@cache
def sql_dir() -> Path:
    """The ``sql/`` tree: packaged inside ``hub`` in a wheel, beside it in a checkout."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_sql", here.parent / "sql"):
        if (candidate / "migrations").is_dir():
            return candidate
    raise RuntimeError("the sql/ directory was not found beside the hub package")


class QueryModule:
    def __init__(self, module: str, statements: dict[str, str]) -> None:
        self._module = module
        self._statements = statements

    def __getattr__(self, name: str) -> str:
        try:
            return self._statements[name]
        except KeyError:
            raise AttributeError(f"no query {name!r} in sql/queries/{self._module}.sql") from None

    def names(self) -> list[str]:
        return sorted(self._statements)


def parse(text: str, module: str = "?") -> dict[str, str]:
    statements: dict[str, str] = {}
    matches = list(_HEADER.finditer(text))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        body = text[match.end() : end].strip().rstrip(";").strip()
        name = match.group(1)
        if name in statements:
            raise ValueError(f"query {name!r} defined twice in sql/queries/{module}.sql")
        statements[name] = body
    return statements


class Queries:
    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._modules: dict[str, QueryModule] = {}

    def __getattr__(self, module: str) -> QueryModule:
        if module.startswith("_"):
            raise AttributeError(module)
        loaded = self._modules.get(module)
        if loaded is None:
            path = self._directory / f"{module}.sql"
            if not path.is_file():
                raise AttributeError(f"no query file sql/queries/{module}.sql")
            loaded = QueryModule(module, parse(path.read_text(encoding="utf-8"), module))
            self._modules[module] = loaded
        return loaded


QUERIES = Queries(sql_dir() / "queries")
