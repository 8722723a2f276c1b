"""Credit rating loaders."""

from hub.loaders.base import RowByKeyLoader, RowsByKeyLoader
from hub.sources import ratings


class SchemeByIdLoader(RowByKeyLoader[int]):
    fetch = staticmethod(ratings.schemes_by_ids)


class LevelsBySchemeLoader(RowsByKeyLoader[int]):
    fetch = staticmethod(ratings.levels_by_schemes)


class MeasuresByLevelLoader(RowsByKeyLoader[str]):
    """Keyed by '<scheme id>:<level code>'."""

    fetch = staticmethod(ratings.measures_by_levels)


class CurrentRatingsBySubjectLoader(RowsByKeyLoader[int]):
    fetch = staticmethod(ratings.current_by_subjects)


class RatingHistoryBySubjectLoader(RowsByKeyLoader[tuple[int, str | None]]):
    """Keyed by (subject id, authority kind whose schemes to keep, or None for all)."""

    fetch = staticmethod(ratings.history_by_subjects)
