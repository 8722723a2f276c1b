"""Land-registry loaders."""

from hub.loaders.base import PageByParentLoader, RowsByKeyLoader
from hub.sources import land


class HoldingsBySubjectLoader(PageByParentLoader):
    fetch = staticmethod(land.holdings_by_subjects)


class OwnersByEstateLoader(RowsByKeyLoader[int]):
    fetch = staticmethod(land.owners_by_estates)


class EncumbrancesByEstateLoader(RowsByKeyLoader[int]):
    fetch = staticmethod(land.encumbrances_by_estates)
