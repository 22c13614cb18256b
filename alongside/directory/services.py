"""Writes of the directory: one function per action an organisation administrator takes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from alongside.directory.models import Service, TaxonomyTerm


def update_service(
    *,
    service: Service,
    name: str,
    description: str,
    status: str,
    minimum_age: int | None,
    maximum_age: int | None,
    eligibility_description: str,
    accepts_self_referral: bool,
    how_to_refer: str,
    email: str,
    url: str,
    taxonomy_terms: Iterable[TaxonomyTerm | str],
    today: dt.date | None = None,
) -> Service:
    """Change a service's entry; editing it counts as reviewing it today."""
    service.name = name
    service.description = description
    service.status = status
    service.minimum_age = minimum_age
    service.maximum_age = maximum_age
    service.eligibility_description = eligibility_description
    service.accepts_self_referral = accepts_self_referral
    service.how_to_refer = how_to_refer
    service.email = email
    service.url = url
    service.last_modified = timezone.now()
    service.last_reviewed_on = today or timezone.localdate()
    service.full_clean(exclude=["search_vector"])
    terms = list(TaxonomyTerm.objects.filter(pk__in=[getattr(t, "pk", t) for t in taxonomy_terms]))
    with transaction.atomic():
        service.save()
        service.taxonomy_terms.set(terms)
    return service


def confirm_service_reviewed(*, service: Service, today: dt.date | None = None) -> Service:
    """Record that the organisation checked the entry and it is still correct."""
    service.last_reviewed_on = today or timezone.localdate()
    service.full_clean(exclude=["search_vector"])
    with transaction.atomic():
        service.save(update_fields=["last_reviewed_on"])
    return service
