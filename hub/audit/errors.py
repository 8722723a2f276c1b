"""The audit trail's one error: the record could not be written, so the gateway fails closed."""

from __future__ import annotations

from hub.errors import HubError


class AuditUnavailable(HubError):
    """The operation's audit record was not written; no answer may leave the hub."""

    code = "AUDIT_UNAVAILABLE"
    http_status = 503
