"""Subject loaders."""

from hub.loaders.base import RowByKeyLoader
from hub.sources import core


class SubjectByIdLoader(RowByKeyLoader[int]):
    fetch = staticmethod(core.subjects_by_ids)


class SubjectByIdentifierLoader(RowByKeyLoader[str]):
    fetch = staticmethod(core.subjects_by_identifiers)
