"""DataLoaders, one per relationship, built fresh for every request."""

from __future__ import annotations

from hub.db.database import Database
from hub.loaders.core import SubjectByIdentifierLoader, SubjectByIdLoader
from hub.loaders.court import (
    CaseByIdLoader,
    CaseByNumberLoader,
    CasesBySubjectLoader,
    CourtByCodeLoader,
    InterceptionsByCaseLoader,
    ListingsByCaseLoader,
    ListingsBySubjectLoader,
    SubjectIdsByCaseLoader,
)
from hub.loaders.identity import CandidatesByMentionLoader, MentionByIdLoader
from hub.loaders.land import (
    EncumbrancesByEstateLoader,
    HoldingsBySubjectLoader,
    OwnersByEstateLoader,
)
from hub.loaders.market import (
    CompanyBySubjectLoader,
    DirectorshipsByCompanyLoader,
    DirectorshipsByPersonLoader,
    ShareholdingsByCompanyLoader,
    ShareholdingsByHolderLoader,
)
from hub.loaders.police import RemoteVehiclesByOwnerLoader, SeizuresByVehicleLoader, VehiclesByOwnerLoader
from hub.loaders.ratings import (
    CurrentRatingsBySubjectLoader,
    LevelsBySchemeLoader,
    MeasuresByLevelLoader,
    RatingHistoryBySubjectLoader,
    SchemeByIdLoader,
)
from hub.loaders.tourism import HotelByCodeLoader
from hub.sources.remote import RemoteSources


class Loaders:
    """The loaders of one request."""

    def __init__(self, db: Database, remote: RemoteSources | None = None) -> None:
        self.subject_by_id = SubjectByIdLoader(db)
        self.subject_by_identifier = SubjectByIdentifierLoader(db)
        self.court_by_code = CourtByCodeLoader(db)
        self.case_by_id = CaseByIdLoader(db)
        self.case_by_number = CaseByNumberLoader(db)
        self.cases_by_subject = CasesBySubjectLoader(db)
        self.subject_ids_by_case = SubjectIdsByCaseLoader(db)
        self.listings_by_subject = ListingsBySubjectLoader(db)
        self.listings_by_case = ListingsByCaseLoader(db)
        self.holdings_by_subject = HoldingsBySubjectLoader(db)
        self.owners_by_estate = OwnersByEstateLoader(db)
        self.encumbrances_by_estate = EncumbrancesByEstateLoader(db)
        self.vehicles_by_owner = VehiclesByOwnerLoader(db)
        self.seizures_by_vehicle = SeizuresByVehicleLoader(db)
        # Set when the police keep their vehicles and the hub asks them at query time.
        police = remote.get("police") if remote else None
        self.remote_vehicles_by_owner = RemoteVehiclesByOwnerLoader(police) if police else None
        self.company_by_subject = CompanyBySubjectLoader(db)
        self.shareholdings_by_holder = ShareholdingsByHolderLoader(db)
        self.shareholdings_by_company = ShareholdingsByCompanyLoader(db)
        self.directorships_by_person = DirectorshipsByPersonLoader(db)
        self.directorships_by_company = DirectorshipsByCompanyLoader(db)
        self.hotel_by_code = HotelByCodeLoader(db)
        self.interceptions_by_case = InterceptionsByCaseLoader(db)
        self.mention_by_id = MentionByIdLoader(db)
        self.candidates_by_mention = CandidatesByMentionLoader(db)
        self.scheme_by_id = SchemeByIdLoader(db)
        self.levels_by_scheme = LevelsBySchemeLoader(db)
        self.measures_by_level = MeasuresByLevelLoader(db)
        self.current_ratings_by_subject = CurrentRatingsBySubjectLoader(db)
        self.rating_history_by_subject = RatingHistoryBySubjectLoader(db)
