"""Companies, equity and directorships from market supervision."""

from __future__ import annotations

from hub.planner.model.base import Leaf, TypeSpec, col, subject

TYPES: dict[str, TypeSpec] = {
    "Shareholding": TypeSpec(
        {
            "share": Leaf(col("share")),
            "subscribedCapital": Leaf(col("subscribed_capital")),
            "company": subject("company_id"),
            "holder": subject("holder_id"),
        }
    ),
    "Directorship": TypeSpec(
        {
            "role": Leaf(col("role")),
            "title": Leaf(col("title")),
            "since": Leaf(col("since")),
            "company": subject("company_id"),
            "person": subject("person_id"),
        }
    ),
    "CompanyRegistration": TypeSpec(
        {
            "companyType": Leaf(col("company_type")),
            "registeredCapital": Leaf(col("registered_capital")),
            "establishedOn": Leaf(col("established_on")),
            "status": Leaf(col("status")),
            "address": Leaf(col("address")),
            "industry": Leaf(col("industry")),
        }
    ),
}
