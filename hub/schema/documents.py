"""Trusted documents (persisted operations) of agencies: registration, list, revocation, and
whether an agency may send registered documents only."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub import agencies, documents
from hub.errors import Forbidden
from hub.schema.arguments import arg
from hub.schema.context import Info

if TYPE_CHECKING:
    from hub.schema.admin import Agency

AgencyT = Annotated["Agency", strawberry.lazy("hub.schema.admin")]


@strawberry.type(
    description=(
        'A document an agency registered: its systems send `{"documentId": id, "variables": ...}` instead of the text.'
    )
)
class TrustedDocument:
    id: str = strawberry.field(description="`sha256:` and the SHA-256 of the exact text (UTF-8), lower-case hex.")
    agency_code: str = strawberry.field(description="The agency that may send it.")
    operations: list[str] = strawberry.field(description="Names of its operations; empty for an anonymous one.")
    registered_at: datetime.datetime = strawberry.field(description="When it was (last) registered.")
    registered_by: str = strawberry.field(description="Who registered it: cli, or the operator and its clerk.")
    revoked_at: datetime.datetime | None = strawberry.field(description="When it was revoked; null while usable.")
    document: str | None = strawberry.field(description="The document's text (lists only).")


def _document(agency_code: str, found: documents.Registered) -> TrustedDocument:
    return TrustedDocument(
        id=found.id,
        agency_code=agency_code,
        operations=list(found.operations),
        registered_at=found.registered_at,
        registered_by=found.registered_by,
        revoked_at=found.revoked_at,
        document=found.body,
    )


@strawberry.type(description="An agency's trusted documents.")
class DocumentQuery:
    @strawberry.field(
        description=(
            "The documents registered for an agency, in the order registered; revoked ones with "
            "`includeRevoked`. An agency sees its own (leave `agencyCode` out); the operator any agency's."
        )
    )
    async def trusted_documents(
        self,
        info: Info,
        agency_code: Annotated[str | None, arg("The agency; your own when left out.")] = None,
        include_revoked: Annotated[bool, arg("Also the revoked documents.")] = False,
    ) -> list[TrustedDocument]:
        ctx = info.context
        code = agency_code or ctx.principal.agency_code
        if code != ctx.principal.agency_code and not ctx.policy.operator:
            raise Forbidden("an agency lists its own documents; the platform operator any agency's")
        row = await agencies.agency_by_code(ctx.db, code)
        found = await documents.documents_of(ctx.db, row["id"], include_revoked)
        return [_document(code, d) for d in found]


@strawberry.type(description="Registering and revoking agencies' trusted documents (the platform operator).")
class DocumentMutation:
    @strawberry.mutation(
        description=(
            "Register a document for an agency. It is vetted as a request of it would be (parse, "
            "validation, limits, the agency's field policy): one that would be refused is refused "
            "here, code DOCUMENT_REFUSED, with that request's errors in `extensions.errors`. "
            "`sha256`, when given, must be the text's own (a hash that does not match is refused). "
            "Registering a revoked document makes it usable again."
        )
    )
    async def register_document(
        self,
        info: Info,
        agency_code: Annotated[str, arg("The agency whose systems will send it.")],
        document: Annotated[str, arg("The document's exact text.")],
        sha256: Annotated[str | None, arg("The id the sender computed, `sha256:<hex>`, to check.")] = None,
    ) -> TrustedDocument:
        ctx = info.context
        assert ctx.vetter is not None
        row = await agencies.agency_by_code(ctx.db, agency_code)
        by = f"{ctx.principal.agency_code}" + (f"/{ctx.operator}" if ctx.operator else "")
        found = await documents.register(ctx.db, ctx.vetter, agencies.principal_of(row), document, by, sha256)
        ctx.keys_revoked()
        return _document(agency_code, found)

    @strawberry.mutation(description="Revoke an agency's document: requests by its id are refused from now on.")
    async def revoke_document(
        self,
        info: Info,
        agency_code: Annotated[str, arg("The agency.")],
        id: Annotated[str, arg("The document's id, `sha256:<hex>`.")],
    ) -> TrustedDocument:
        ctx = info.context
        row = await agencies.agency_by_code(ctx.db, agency_code)
        found = await documents.revoke(ctx.db, row["id"], id)
        ctx.keys_revoked()
        return _document(agency_code, found)

    @strawberry.mutation(
        description=(
            "Whether an agency may send registered documents only (in production). Its ad-hoc "
            "documents are then refused, code DOCUMENT_NOT_TRUSTED (403)."
        )
    )
    async def set_trusted_documents_only(
        self,
        info: Info,
        agency_code: Annotated[str, arg("The agency.")],
        only: Annotated[bool, arg("True: registered documents only; false: ad-hoc documents too.")],
    ) -> AgencyT:
        from hub.schema.admin import agency_from_row

        ctx = info.context
        row = await agencies.agency_by_code(ctx.db, agency_code)
        await documents.set_trusted_only(ctx.db, row["id"], only)
        ctx.keys_revoked()
        return agency_from_row(await agencies.agency_by_code(ctx.db, agency_code))
