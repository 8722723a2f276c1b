"""Tourism loaders."""

from hub.loaders.base import RowByKeyLoader
from hub.sources import tourism


class HotelByCodeLoader(RowByKeyLoader[str]):
    fetch = staticmethod(tourism.hotels_by_codes)
