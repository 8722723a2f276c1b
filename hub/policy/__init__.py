"""Who is asking: the agency principal every operation carries.

The rules table that decides what each agency kind may see arrives with the policy issue;
every request already passes through here with its principal.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated agency behind a request, and the operator it names."""

    agency_id: int
    agency_code: str
    agency_name: str
    kind: str
    region: str
    key_id: int
    operator: str | None = None
    purpose: str | None = None
