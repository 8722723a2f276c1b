"""Who is asking, and what they may see.

``Principal`` is the authenticated agency; ``rules.toml`` (loaded by ``hub.policy.rules``)
says per agency kind or role which fields, operations and purposes it may use and how
identifiers are shown; ``hub.policy.document`` reduces a GraphQL document to the schema
coordinates it selects; ``hub.policy.limits`` bounds what one request or one agency may ask.
"""

from __future__ import annotations

from dataclasses import dataclass

# The kinds of linked agency; each has a default profile in rules.toml.
AGENCY_KINDS = (
    "court",
    "land",
    "market",
    "police",
    "tourism",
    "housing",
    "finance",
    "civil_affairs",
    "township",
    "platform",
    "agriculture",
    "tax",
)

# The hub's data sources; each is published by the agency kinds that ``rules.toml`` names
# under ``[ingest]`` (POST /ingest/{source} and the upsert mutations).
INGEST_SOURCES = ("court", "land", "market", "police", "tourism")


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated agency behind a request: by an API key (``key_id``) or by a console
    user's session (``user_id``; the agency's policy applies all the same)."""

    agency_id: int
    agency_code: str
    agency_name: str
    kind: str
    region: str
    key_id: int | None
    role: str | None = None
    user_id: int | None = None
    # The agency may send registered (trusted) documents only, in production.
    trusted_documents_only: bool = False
