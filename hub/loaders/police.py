"""Police loaders."""

from hub.loaders.base import PageByParentLoader, RowsByKeyLoader
from hub.sources import police


class VehiclesByOwnerLoader(PageByParentLoader):
    fetch = staticmethod(police.vehicles_by_owners)


class SeizuresByVehicleLoader(RowsByKeyLoader[int]):
    fetch = staticmethod(police.seizures_by_vehicles)
