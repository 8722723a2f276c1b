"""Market-supervision loaders."""

from hub.loaders.base import PageByParentLoader, RowByKeyLoader, RowsByKeyLoader
from hub.sources import market


class CompanyBySubjectLoader(RowByKeyLoader[int]):
    fetch = staticmethod(market.companies_by_subjects)


class ShareholdingsByHolderLoader(PageByParentLoader):
    fetch = staticmethod(market.shareholdings_by_holders)


class ShareholdingsByCompanyLoader(PageByParentLoader):
    fetch = staticmethod(market.shareholdings_by_companies)


class DirectorshipsByPersonLoader(PageByParentLoader):
    fetch = staticmethod(market.directorships_by_persons)


class DirectorshipsByCompanyLoader(RowsByKeyLoader[int]):
    fetch = staticmethod(market.directorships_by_companies)
