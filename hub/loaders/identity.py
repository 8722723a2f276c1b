"""Party mention and candidate link loaders."""

from hub.loaders.base import RowByKeyLoader, RowsByKeyLoader
from hub.sources import identity


class MentionByIdLoader(RowByKeyLoader[int]):
    fetch = staticmethod(identity.mentions_by_ids)


class CandidatesByMentionLoader(RowsByKeyLoader[int]):
    fetch = staticmethod(identity.candidates_by_mentions)
