"""Police loaders: from the hub's tables, or from the police system (remote source)."""

from __future__ import annotations

from strawberry.dataloader import DataLoader

from hub.errors import SourceUnavailable
from hub.loaders.base import PageByParentLoader, RowsByKeyLoader
from hub.sources import police
from hub.sources.police import RemoteVehicle
from hub.sources.remote import RemoteSource


class VehiclesByOwnerLoader(PageByParentLoader):
    fetch = staticmethod(police.vehicles_by_owners)


class SeizuresByVehicleLoader(RowsByKeyLoader[int]):
    fetch = staticmethod(police.seizures_by_vehicles)


class RemoteVehiclesByOwnerLoader(DataLoader[str, list[RemoteVehicle]]):
    """All vehicles of each owner, by resident ID or USCC, from the police system: one call
    for every owner the request asks about at once."""

    def __init__(self, remote: RemoteSource) -> None:
        self.remote = remote
        super().__init__(load_fn=self._load)

    async def _load(self, identifiers: list[str]) -> list[list[RemoteVehicle]]:
        try:
            found = await police.remote_vehicles_by_owners(self.remote, identifiers)
        except SourceUnavailable:
            # A failure is not kept: a later load (the next event of a subscription) asks again.
            self.clear_many(identifiers)
            raise
        return [found.get(identifier, []) for identifier in identifiers]
