"""Screening: identities + a business matter -> BLOCK / REVIEW / ALLOW, with the measures and their basis.

``engine`` decides (pure); ``service.screen`` gathers the facts from the database and calls it.
"""

from hub.screening.engine import Identity, MeasureHit, Outcome, ScreeningContext
from hub.screening.service import MAX_BATCH, UnknownMatter, screen

__all__ = ["MAX_BATCH", "Identity", "MeasureHit", "Outcome", "ScreeningContext", "UnknownMatter", "screen"]
