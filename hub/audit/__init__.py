"""The tamper-evident audit trail (留痕、溯源): one hash-chained record per operation.

    record      AuditRecord, its canonical bytes, the chain hash
    chain       appending records in one transaction under the chain's lock
    writer      AuditWriter: group commit (or direct), fails closed with AuditUnavailable
    checkpoint  Ed25519-signed checkpoints of the head, exported as JSON lines
    verify      walks the chain and names the first break
    queries     operators' search and daily statistics

Only the request path is imported here; the tools (checkpoint, verify, queries) are
imported from their modules, so serving a request loads no signing code.
"""

from hub.audit.chain import Comparison
from hub.audit.errors import AuditUnavailable
from hub.audit.record import AuditRecord, canonical_bytes, chain_hash, document_hash
from hub.audit.writer import AuditWriter

__all__ = [
    "AuditRecord",
    "AuditUnavailable",
    "AuditWriter",
    "Comparison",
    "canonical_bytes",
    "chain_hash",
    "document_hash",
]
