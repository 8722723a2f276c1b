"""Court loaders: courts, cases, parties, listings."""

from hub.loaders.base import PageByParentLoader, RowByKeyLoader, RowsByKeyLoader
from hub.sanctions.interceptions import interceptions_by_cases
from hub.sources import court


class CourtByCodeLoader(RowByKeyLoader[str]):
    fetch = staticmethod(court.courts_by_codes)


class CaseByIdLoader(RowByKeyLoader[int]):
    fetch = staticmethod(court.cases_by_ids)


class CaseByNumberLoader(RowByKeyLoader[str]):
    fetch = staticmethod(court.cases_by_numbers)


class CasesBySubjectLoader(PageByParentLoader):
    fetch = staticmethod(court.cases_by_subjects)


class SubjectIdsByCaseLoader(PageByParentLoader):
    fetch = staticmethod(court.subject_ids_by_cases)


class ListingsBySubjectLoader(PageByParentLoader):
    fetch = staticmethod(court.listings_by_subjects)


class ListingsByCaseLoader(RowsByKeyLoader[int]):
    fetch = staticmethod(court.listings_by_cases)


class InterceptionsByCaseLoader(RowsByKeyLoader[int]):
    fetch = staticmethod(interceptions_by_cases)
