from __future__ import annotations

from alongside.places.models import Postcode


def imd_decile_for(postcode: str) -> int | None:
    """The deprivation decile of a (normalised) postcode's area, if the lookup has it."""
    if not postcode:
        return None
    return Postcode.objects.filter(postcode=postcode).values_list("imd_decile", flat=True).first()
