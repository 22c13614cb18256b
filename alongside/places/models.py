"""Postcodes and what is known about the small area each lies in.

One table serves the whole platform: the directory's distance search reads its coordinates, and a
person's deprivation decile (Index of Multiple Deprivation, 1 = most deprived tenth of areas) is
derived from it when the lookup data is loaded. The demo ships synthetic rows for its own
postcodes; a deployment loads the real ones with an import command.
"""

from __future__ import annotations

from django.db import models

from alongside.core.validators import validate_postcode


class Postcode(models.Model):
    postcode = models.CharField(max_length=8, primary_key=True, validators=[validate_postcode])
    latitude = models.FloatField()
    longitude = models.FloatField()
    lsoa_code = models.CharField("LSOA code", max_length=9, blank=True)
    imd_decile = models.PositiveSmallIntegerField("IMD decile", null=True, blank=True)
    locality = models.ForeignKey(
        "organisations.Locality",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="postcodes",
    )

    class Meta:
        ordering = ["postcode"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90)
                & models.Q(longitude__gte=-180, longitude__lte=180),
                name="postcode_coordinates_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(imd_decile__isnull=True)
                | models.Q(imd_decile__gte=1, imd_decile__lte=10),
                name="postcode_imd_decile_1_to_10",
            ),
        ]

    def __str__(self) -> str:
        return self.postcode


class ResidentDimension(models.TextChoices):
    AGE_BAND = "age_band", "Age band"
    SEX = "sex", "Sex"
    ETHNIC_GROUP = "ethnic_group", "Ethnic group"
    IMD_QUINTILE = "imd_quintile", "Deprivation (IMD quintile)"


class Residents(models.Model):
    """How many adults live in a locality, in one group of one dimension (from the census or the
    local population estimates). Insights compares the people the services reach with these, so
    that a group the services miss shows up."""

    locality = models.ForeignKey(
        "organisations.Locality", on_delete=models.CASCADE, related_name="residents"
    )
    dimension = models.CharField(max_length=20, choices=ResidentDimension.choices)
    group_name = models.CharField(max_length=80)
    residents = models.PositiveIntegerField()
    source = models.CharField(max_length=200, help_text="Where the figure comes from, and when.")

    class Meta:
        ordering = ["locality", "dimension", "group_name"]
        verbose_name_plural = "residents"
        constraints = [
            models.UniqueConstraint(
                fields=["locality", "dimension", "group_name"],
                name="residents_one_figure_per_group",
            ),
            models.CheckConstraint(
                condition=models.Q(dimension__in=ResidentDimension.values),
                name="residents_dimension_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.locality}: {self.dimension} {self.group_name}"
