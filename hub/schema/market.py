"""Companies, equity and directorships from market supervision."""

from __future__ import annotations

import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.schema.context import Info
from hub.sources.base import Row

if TYPE_CHECKING:
    from hub.schema.core import Organisation, Person, Subject

SubjectT = Annotated["Subject", strawberry.lazy("hub.schema.core")]
PersonT = Annotated["Person", strawberry.lazy("hub.schema.core")]
OrganisationT = Annotated["Organisation", strawberry.lazy("hub.schema.core")]


@strawberry.enum(description="Legal form of a registered company.")
class CompanyType(Enum):
    LIMITED_LIABILITY = strawberry.enum_value("limited_liability", description="有限责任公司.")
    JOINT_STOCK = strawberry.enum_value("joint_stock", description="股份有限公司.")
    SOLE_PROPRIETORSHIP = strawberry.enum_value("sole_proprietorship", description="个人独资企业.")
    PARTNERSHIP = strawberry.enum_value("partnership", description="合伙企业.")
    INDIVIDUAL_BUSINESS = strawberry.enum_value("individual_business", description="个体工商户.")
    OTHER = strawberry.enum_value("other", description="Any other form.")


@strawberry.enum(description="Registration status of a company.")
class CompanyStatus(Enum):
    ACTIVE = strawberry.enum_value("active", description="In business (存续).")
    REVOKED = strawberry.enum_value("revoked", description="Licence revoked (吊销).")
    CANCELLED = strawberry.enum_value("cancelled", description="Deregistered (注销).")


@strawberry.enum(description="A role a person holds in a company.")
class DirectorshipRole(Enum):
    LEGAL_REPRESENTATIVE = strawberry.enum_value("legal_representative", description="法定代表人.")
    EXECUTIVE = strawberry.enum_value("executive", description="Senior manager (高级管理人员).")
    DIRECTOR = strawberry.enum_value("director", description="Board member (董事).")
    SUPERVISOR = strawberry.enum_value("supervisor", description="Supervisor (监事).")
    ACTUAL_CONTROLLER = strawberry.enum_value("actual_controller", description="Actual controller (实际控制人).")


@strawberry.type(description="A company's registration with market supervision.")
class CompanyRegistration:
    company_type: CompanyType = strawberry.field(description="Legal form.")
    registered_capital: Decimal = strawberry.field(description="Registered capital in yuan.")
    established_on: datetime.date = strawberry.field(description="Date of establishment.")
    status: CompanyStatus = strawberry.field(description="Registration status.")
    address: str = strawberry.field(description="Registered address.")
    industry: str = strawberry.field(description="Industry as registered.")


@strawberry.type(description="Equity one subject holds in one company.")
class Shareholding:
    company_id: strawberry.Private[int]
    holder_id: strawberry.Private[int]
    share: Decimal = strawberry.field(description="Fraction of the company's equity, in (0, 1].")
    subscribed_capital: Decimal = strawberry.field(description="Capital subscribed, in yuan.")

    @strawberry.field(description="The company.")
    async def company(self, info: Info) -> OrganisationT:
        from hub.schema.core import load_subject

        return await load_subject(info, self.company_id)  # type: ignore[return-value]

    @strawberry.field(description="The shareholder: a person or an organisation.")
    async def holder(self, info: Info) -> SubjectT:
        from hub.schema.core import load_subject

        subject = await load_subject(info, self.holder_id)
        assert subject is not None
        return subject


@strawberry.type(description="A role a person holds in a company.")
class Directorship:
    company_id: strawberry.Private[int]
    person_id: strawberry.Private[int]
    role: DirectorshipRole = strawberry.field(description="The role.")
    title: str | None = strawberry.field(description="Title as registered, e.g. 总经理.")
    since: datetime.date = strawberry.field(description="Date the role began.")

    @strawberry.field(description="The company.")
    async def company(self, info: Info) -> OrganisationT:
        from hub.schema.core import load_subject

        return await load_subject(info, self.company_id)  # type: ignore[return-value]

    @strawberry.field(description="The person holding the role.")
    async def person(self, info: Info) -> PersonT:
        from hub.schema.core import load_subject

        return await load_subject(info, self.person_id)  # type: ignore[return-value]


def registration_from_row(row: Row) -> CompanyRegistration:
    return CompanyRegistration(
        company_type=CompanyType(row["company_type"]),
        registered_capital=row["registered_capital"],
        established_on=row["established_on"],
        status=CompanyStatus(row["status"]),
        address=row["address"],
        industry=row["industry"],
    )


def shareholding_from_row(row: Row) -> Shareholding:
    return Shareholding(
        company_id=row["company_id"],
        holder_id=row["holder_id"],
        share=row["share"],
        subscribed_capital=row["subscribed_capital"],
    )


def directorship_from_row(row: Row) -> Directorship:
    return Directorship(
        company_id=row["company_id"],
        person_id=row["person_id"],
        role=DirectorshipRole(row["role"]),
        title=row["title"],
        since=row["since"],
    )
