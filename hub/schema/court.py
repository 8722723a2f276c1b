"""Courts, enforcement cases and list entries."""

from __future__ import annotations

import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, NewType

import strawberry
from graphql import EnumValueNode, StringValueNode, ValueNode

from hub.loaders.base import PageKey
from hub.schema.context import Info
from hub.schema.pagination import After, Connection, First, page_args, page_connection
from hub.sources.base import Row

if TYPE_CHECKING:
    from hub.schema.core import Subject
    from hub.schema.sanctions import Interception

SubjectT = Annotated["Subject", strawberry.lazy("hub.schema.core")]
InterceptionT = Annotated["Interception", strawberry.lazy("hub.schema.sanctions")]


@strawberry.enum(description="The level of a people's court.")
class CourtLevel(Enum):
    HIGH = strawberry.enum_value("high", description="Provincial high court (高级人民法院).")
    INTERMEDIATE = strawberry.enum_value("intermediate", description="City intermediate court (中级人民法院).")
    BASIC = strawberry.enum_value("basic", description="District or county court (基层人民法院).")


@strawberry.enum(description="How much of the obligation the debtor has performed.")
class Performance(Enum):
    NONE = strawberry.enum_value("none", description="Nothing performed (全部未履行).")
    PARTIAL = strawberry.enum_value("partial", description="Partly performed (部分未履行).")
    FULL = strawberry.enum_value("full", description="Fully performed (全部履行).")


def _list_kind_value(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("a list kind is a code such as DISHONEST or AGRI_PRODUCT_SAFETY (query listKinds)")
    return value.strip().lower()


def _list_kind_literal(node: ValueNode, _variables: Any = None) -> str:
    # DISHONEST as a bare name (as when ListKind was an enum) or as a string.
    if isinstance(node, EnumValueNode | StringValueNode):
        return _list_kind_value(node.value)
    raise ValueError("a list kind is a code such as DISHONEST or AGRI_PRODUCT_SAFETY (query listKinds)")


ListKind = NewType("ListKind", str)

# Registered in the schema's scalar_map (hub.schema.build_schema).
LIST_KIND_SCALAR = strawberry.scalar(
    name="ListKind",
    description=(
        "The code of a kind of list (query `listKinds`), shown upper-case: DISHONEST (失信被执行人名单), "
        "RESTRICTED (限制高消费人员名单), sector blacklists such as AGRI_PRODUCT_SAFETY, the red list RED_LIST. "
        "Accepted as a string in any case or as a bare name (list: DISHONEST); a code that is no list kind is "
        "refused with UNKNOWN_LIST_KIND naming the allowed ones."
    ),
    serialize=lambda value: str(value).upper(),
    parse_value=_list_kind_value,
    parse_literal=_list_kind_literal,
)


@strawberry.enum(description="The statutory circumstance of article 1 of the SPC rules on the dishonest list (2017).")
class Circumstance(Enum):
    REFUSES_WITH_ABILITY = strawberry.enum_value(
        "refuses_with_ability", description="Able to perform but refuses (有履行能力而拒不履行)."
    )
    OBSTRUCTS_ENFORCEMENT = strawberry.enum_value(
        "obstructs_enforcement",
        description="Obstructs or resists enforcement by forged evidence, violence or threats.",
    )
    EVADES_ENFORCEMENT = strawberry.enum_value(
        "evades_enforcement",
        description="Evades enforcement by sham litigation or arbitration, or hiding or moving assets.",
    )
    VIOLATES_ASSET_REPORTING = strawberry.enum_value(
        "violates_asset_reporting", description="Violates the property-reporting duty (违反财产报告制度)."
    )
    VIOLATES_CONSUMPTION_RESTRICTION = strawberry.enum_value(
        "violates_consumption_restriction", description="Violates a consumption-restriction order."
    )
    BREACHES_SETTLEMENT = strawberry.enum_value(
        "breaches_settlement",
        description="Refuses without good reason to perform an enforcement settlement agreement.",
    )


@strawberry.enum(description="Why an entry was taken off a list.")
class RemovalReason(Enum):
    PAID = strawberry.enum_value("paid", description="The obligation was performed.")
    SETTLED = strawberry.enum_value("settled", description="A settlement agreement was performed.")
    CREDIT_REPAIR = strawberry.enum_value("credit_repair", description="Removed after credit repair.")
    TERM_EXPIRED = strawberry.enum_value("term_expired", description="The listing term ended.")
    PUBLISHED_IN_ERROR = strawberry.enum_value(
        "published_in_error", description="The entry should never have been published."
    )
    OTHER = strawberry.enum_value("other", description="Another reason recorded by the court.")


@strawberry.type(description="A people's court that executes judgments.")
class Court:
    code: str = strawberry.field(description="Court code as written in case numbers, e.g. 闽0102.")
    name: str = strawberry.field(description="Full name, e.g. 福州市鼓楼区人民法院.")
    level: CourtLevel = strawberry.field(description="High, intermediate or basic court.")
    region_code: str = strawberry.field(description="Division code of the court's seat.")


@strawberry.type(description="An enforcement case (执行案件) against one or more debtors.")
class EnforcementCase:
    db_id: strawberry.Private[int]
    court_code: strawberry.Private[str]
    id: strawberry.ID = strawberry.field(description="The hub's internal id of the case.")
    case_number: str = strawberry.field(description="Case number, e.g. (2019)闽0102执1234号.")
    filed_on: datetime.date = strawberry.field(description="Date the case was filed (立案日期).")
    basis_document: str = strawberry.field(description="Number of the enforcement basis document (执行依据文号).")
    basis_issuer: str = strawberry.field(description="Unit that issued the basis document.")
    obligation: str = strawberry.field(description="The obligation the debtor must perform.")
    amount: Decimal = strawberry.field(description="Amount owed in yuan, as a decimal string.")
    performance: Performance = strawberry.field(description="How much has been performed.")
    performed_amount: Decimal = strawberry.field(description="Amount performed so far, in yuan.")

    @strawberry.field(description="The executing court; pay or negotiate there.")
    async def court(self, info: Info) -> Court:
        row = await info.context.loaders.court_by_code.load(self.court_code)
        assert row is not None  # a foreign key guarantees it
        return Court(code=row["code"], name=row["name"], level=CourtLevel(row["level"]), region_code=row["region"])

    @strawberry.field(description="The debtors (被执行人) of this case.")
    async def subjects(self, info: Info, first: First = None, after: After = None) -> Connection[SubjectT]:
        from hub.schema.core import to_subject

        args = page_args(info.context, "EnforcementCase.subjects", first, after)
        page = await info.context.loaders.subject_ids_by_case.load(PageKey(self.db_id, args))
        rows = await info.context.loaders.subject_by_id.load_many([r["id"] for r in page.rows])
        by_id = {r["id"]: r for r in rows if r is not None}
        return page_connection(
            info.context, "EnforcementCase.subjects", page, lambda r: to_subject(info, by_id[r["id"]])
        )

    @strawberry.field(
        description=(
            "List entries published for this case; removed ones only for courts and the operator (an entry "
            "removed by credit repair only for its publisher, a court whose area covers the executing court, "
            "and the operator)."
        )
    )
    async def listings(self, info: Info) -> list[Listing]:
        from hub.sanctions.repair import history_hidden_listings
        from hub.schema.core import sees_removed

        rows = await info.context.loaders.listings_by_case.load(self.db_id)
        history = sees_removed(info)
        shown = [r for r in rows if history or r["removed_on"] is None]
        # Removed entries: those the reader may see in history, per entry and list kind.
        removed = [r["id"] for r in shown if r["removed_on"] is not None]
        hidden = await history_hidden_listings(info.context.db, removed, info.context.principal.agency_id)
        return [listing_from_row(r) for r in shown if r["id"] not in hidden]

    @strawberry.field(description="Every interception this case caused, with what the agencies reported.")
    async def interceptions(self, info: Info) -> list[InterceptionT]:
        from hub.schema.sanctions import interception_from_row

        rows = await info.context.loaders.interceptions_by_case.load(self.db_id)
        return [interception_from_row(r) for r in rows]


@strawberry.type(
    description=(
        "An entry of a subject on a list: the courts' dishonest or consumption-restriction list, a sector "
        "blacklist or the red list (query listKinds for each list's rules)."
    )
)
class Listing:
    db_id: strawberry.Private[int]
    subject_id: strawberry.Private[int]
    case_id: strawberry.Private[int | None]
    id: strawberry.ID = strawberry.field(description="The hub's internal id of the entry.")
    list: ListKind = strawberry.field(description="Which list the entry is on (a list kind code, e.g. DISHONEST).")
    circumstance: Circumstance | None = strawberry.field(
        description="Statutory circumstance; dishonest list only, null on the restriction list."
    )
    published_on: datetime.date = strawberry.field(description="Publication date.")
    term_months: int | None = strawberry.field(
        description="Term in months from publication; null means until the obligation is performed."
    )
    extended_months: int = strawberry.field(description="Months the term was extended by (0 to 36).")
    removed_on: datetime.date | None = strawberry.field(description="Date of removal; null while listed.")
    removal_reason: RemovalReason | None = strawberry.field(description="Why it was removed.")
    version: int = strawberry.field(description="Revision of the entry; each correction increments it.")
    basis_document: str | None = strawberry.field(
        description="Lists not resting on a court case: the publisher's decision document, e.g. 闽农黑〔2026〕3号."
    )
    publisher_code: str | None = strawberry.field(
        description="Lists not resting on a court case: the code of the agency that published the entry."
    )
    publisher_name: str | None = strawberry.field(
        description="Lists not resting on a court case: the name of the agency that published the entry."
    )

    @strawberry.field(description="End of the term (publication + term + extensions); null if open-ended.")
    def expires_on(self) -> datetime.date | None:
        if self.term_months is None:
            return None
        return _add_months(self.published_on, self.term_months + self.extended_months)

    @strawberry.field(description="True while the entry is in force today: not removed and its term not ended.")
    def active(self) -> bool:
        if self.removed_on is not None:
            return False
        expires = self.expires_on()
        return expires is None or expires > datetime.date.today()

    @strawberry.field(description="The case the entry was published for; null for lists not resting on a court case.")
    async def case(self, info: Info) -> EnforcementCase | None:
        if self.case_id is None:
            return None
        row = await info.context.loaders.case_by_id.load(self.case_id)
        assert row is not None
        return case_from_row(row)

    @strawberry.field(description="The listed subject.")
    async def subject(self, info: Info) -> SubjectT:
        from hub.schema.core import load_subject

        subject = await load_subject(info, self.subject_id)
        assert subject is not None
        return subject


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def case_from_row(row: Row) -> EnforcementCase:
    return EnforcementCase(
        db_id=row["id"],
        court_code=row["court_code"],
        id=strawberry.ID(str(row["id"])),
        case_number=row["case_number"],
        filed_on=row["filed_on"],
        basis_document=row["basis_document"],
        basis_issuer=row["basis_issuer"],
        obligation=row["obligation"],
        amount=row["amount"],
        performance=Performance(row["performance"]),
        performed_amount=row["performed_amount"],
    )


def listing_from_row(row: Row) -> Listing:
    return Listing(
        db_id=row["id"],
        subject_id=row["subject_id"],
        case_id=row["case_id"],
        id=strawberry.ID(str(row["id"])),
        list=ListKind(row["list"]),
        circumstance=None if row["circumstance"] is None else Circumstance(row["circumstance"]),
        published_on=row["published_on"],
        term_months=row["term_months"],
        extended_months=row["extended_months"],
        removed_on=row["removed_on"],
        removal_reason=None if row["removal_reason"] is None else RemovalReason(row["removal_reason"]),
        version=row["version"],
        basis_document=row.get("basis_document"),
        publisher_code=row.get("publisher_code"),
        publisher_name=row.get("publisher_name"),
    )
