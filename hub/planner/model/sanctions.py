"""Interceptions and what agencies reported about them."""

from __future__ import annotations

from hub.planner.model.base import Leaf, Listed, TypeSpec, by_id, col, same, subject

TYPES: dict[str, TypeSpec] = {
    "Interception": TypeSpec(
        {
            "id": Leaf(col("id")),
            "at": Leaf(col("at")),
            "matter": Leaf(col("matter")),
            "decision": Leaf(col("decision")),
            "reasons": Leaf(col("reasons")),
            "operator": Leaf(col("operator")),
            "subject": subject("subject_id"),
            "feedback": Listed(source=by_id("sanctions.feedback"), where=same("interception_id"), order=col("id")),
        }
    ),
    "SanctionFeedback": TypeSpec(
        {
            "id": Leaf(col("id")),
            "outcome": Leaf(col("outcome")),
            "reason": Leaf(col("reason")),
            "businessReference": Leaf(col("business_reference")),
            "occurredAt": Leaf(col("occurred_at")),
            "recordedAt": Leaf(col("recorded_at")),
            "operator": Leaf(col("operator")),
        }
    ),
}
