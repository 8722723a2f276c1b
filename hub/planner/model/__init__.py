"""How each compiled GraphQL type reads from PostgreSQL: the relational model of the schema,
one module per domain (as ``hub/schema/``), built from ``base``'s field kinds.

``QUERY`` holds the compiled root fields, ``TYPES`` the object types, ``ABSTRACT`` the
interfaces. A field missing here does not compile: an operation that selects it runs on the
executor, whole.

Every read root field of ``type Query`` is here, except (these run on the executor):

- ``auditVerification``: it walks the whole chain and re-hashes every record and checkpoint
  in Python (``hub.audit.verify``); SQL has neither the canonical form nor the signatures.
- ``auditEvents``, ``agencyStatistics`` and ``trustedDocuments`` naming *another* agency
  than the principal's own in ``agencyCode``: the resolver looks the code up and refuses an
  unknown one with its error, which a statement cannot give; the request goes to the
  executor (``ExecutorAnswers``). Without a code, or with its own, they compile.
- ``Subject.vehicles`` while the police source is remote (asked at query time), and the
  subscriptions (``listChanges``, ``activity``), which are streams, not reads.
"""

from __future__ import annotations

from hub.planner.model import (
    admin,
    audit,
    console,
    core,
    court,
    documents,
    events,
    identity,
    ingest,
    land,
    market,
    police,
    sanctions,
    tourism,
)
from hub.planner.model.base import (
    Abstract,
    Check,
    Dated,
    Embed,
    ExecutorAnswers,
    FieldSpec,
    Identifier,
    Leaf,
    Listed,
    Paged,
    Related,
    TypeSpec,
)

__all__ = [
    "ABSTRACT",
    "QUERY",
    "REPLICA_ROOTS",
    "TYPES",
    "Abstract",
    "Check",
    "Dated",
    "Embed",
    "ExecutorAnswers",
    "FieldSpec",
    "Identifier",
    "Leaf",
    "Listed",
    "Paged",
    "Related",
    "TypeSpec",
]

_DOMAINS = (
    core,
    court,
    land,
    market,
    police,
    tourism,
    sanctions,
    admin,
    audit,
    events,
    console,
    identity,
    ingest,
    documents,
)

QUERY = TypeSpec({k: v for domain in _DOMAINS for k, v in getattr(domain, "ROOTS", {}).items()})
TYPES: dict[str, TypeSpec] = {k: v for domain in _DOMAINS for k, v in domain.TYPES.items()}
ABSTRACT: dict[str, Abstract] = {k: v for domain in _DOMAINS for k, v in getattr(domain, "ABSTRACT", {}).items()}

# Root fields a read replica may answer (``hub.db.replicas``): subject reads, searches, the
# reference lists and the statistics. The others (agencies, the audit trail, webhooks, the
# console, ingest batches, documents) show what the hub has just written: the primary answers.
REPLICA_ROOTS: frozenset[str] = frozenset(
    k for domain in (core, court, land, market, police, tourism, sanctions) for k in getattr(domain, "ROOTS", {})
) | {"agencyStatistics"}
