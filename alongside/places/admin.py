from django.contrib import admin

from alongside.places.models import Postcode


@admin.register(Postcode)
class PostcodeAdmin(admin.ModelAdmin):
    list_display = ("postcode", "locality", "imd_decile", "lsoa_code", "latitude", "longitude")
    list_filter = ("imd_decile", "locality")
    search_fields = ("postcode", "lsoa_code")
    list_select_related = ("locality",)
    autocomplete_fields = ("locality",)
