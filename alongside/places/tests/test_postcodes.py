"""Loading the postcode lookup from a CSV file."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from alongside.people.models import Person
from alongside.places.models import Postcode
from alongside.places.services import MalformedFile, load_postcodes

pytestmark = pytest.mark.django_db


def write(tmp_path, text):
    path = tmp_path / "postcodes.csv"
    path.write_text(text)
    return path


def test_rows_load_bad_rows_are_reported_and_people_get_their_decile(tmp_path):
    person = Person.objects.create(
        given_name="A", family_name="B", date_of_birth=dt.date(1980, 1, 1), postcode="LS1 4AP"
    )
    path = write(
        tmp_path,
        "postcode,latitude,longitude,lsoa_code,imd_decile\n"
        "ls14ap,53.79,-1.55,E01011365,2\n"
        "not a postcode,53.7,-1.5,,\n"
        "M1 1AE,100,-2.2,,\n"
        "B33 8TH,52.47,-1.79,,11\n"
        "SW1A 1AA,51.50,-0.14,,\n",
    )
    report = load_postcodes(path)
    assert report.loaded == 2
    assert len(report.rejected) == 3
    assert "line 3: postcode" in report.rejected[0]
    assert "line 4: M1 1AE: coordinates out of range" in report.rejected[1]
    assert "imd_decile must be a whole number 1–10" in report.rejected[2]
    assert Postcode.objects.get(postcode="LS1 4AP").imd_decile == 2
    person.refresh_from_db()
    assert person.imd_decile == 2 and report.people_updated == 1


def test_loading_again_updates_rather_than_duplicates(tmp_path):
    load_postcodes(write(tmp_path, "postcode,latitude,longitude\nLS1 4AP,53.79,-1.55\n"))
    load_postcodes(write(tmp_path, "postcode,latitude,longitude\nLS1 4AP,53.80,-1.56\n"))
    assert Postcode.objects.count() == 1
    assert Postcode.objects.get().latitude == 53.80


def test_a_file_without_the_columns_is_refused_and_nothing_changes(tmp_path):
    with pytest.raises(MalformedFile, match="latitude"):
        load_postcodes(write(tmp_path, "postcode,lat\nLS1 4AP,53.79\n"))
    with pytest.raises(CommandError, match="nothing changed"):
        call_command("postcodes", "load", str(tmp_path / "missing.csv"))
    assert not Postcode.objects.exists()
