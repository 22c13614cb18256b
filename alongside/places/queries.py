from __future__ import annotations

from alongside.organisations.models import Locality
from alongside.places.models import Postcode


def imd_decile_for(postcode: str) -> int | None:
    """The deprivation decile of a (normalised) postcode's area, if the lookup has it."""
    if not postcode:
        return None
    return Postcode.objects.filter(postcode=postcode).values_list("imd_decile", flat=True).first()


def locality_for(postcode: str) -> Locality | None:
    """The locality a (normalised) postcode lies in, if the lookup has it."""
    if not postcode:
        return None
    return Locality.objects.filter(postcodes__postcode=postcode).first()
