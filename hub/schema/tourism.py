"""Star-rated hotels kept by the tourism bureau."""

from __future__ import annotations

import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.sources.base import Row

if TYPE_CHECKING:
    from hub.schema.core import Region

RegionT = Annotated["Region", strawberry.lazy("hub.schema.core")]


@strawberry.enum(description="Whether a hotel is operating.")
class HotelStatus(Enum):
    OPEN = strawberry.enum_value("open", description="Operating.")
    CLOSED = strawberry.enum_value("closed", description="Closed; kept for history.")


@strawberry.type(description="A hotel in the tourism bureau's star-rating list.")
class Hotel:
    region_code: strawberry.Private[str]
    code: str = strawberry.field(description="The tourism bureau's code for the hotel.")
    name: str = strawberry.field(description="Hotel name.")
    address: str = strawberry.field(description="Address.")
    stars: int = strawberry.field(description="Current star rating, 0 (not rated) to 5.")
    rated_on: datetime.date | None = strawberry.field(description="Date of the current rating.")
    status: HotelStatus = strawberry.field(description="Open or closed.")

    @strawberry.field(description="Division where the hotel lies.")
    def region(self) -> RegionT:
        from hub.schema.core import Region

        return Region(code=self.region_code)


def hotel_from_row(row: Row) -> Hotel:
    return Hotel(
        region_code=row["region"],
        code=row["code"],
        name=row["name"],
        address=row["address"],
        stars=row["stars"],
        rated_on=row["rated_on"],
        status=HotelStatus(row["status"]),
    )
