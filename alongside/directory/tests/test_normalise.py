"""What the importer puts right in councils' feeds, field by field (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from alongside.directory.interchange import normalise


@pytest.mark.parametrize(
    ("given", "stored", "note"),
    [
        (
            "www.samaritans.org/how-we-can-help/",
            "https://www.samaritans.org/how-we-can-help/",
            "https:// added",
        ),
        (" wyvern-mind.example ", "https://wyvern-mind.example", "https:// added"),
        (
            "https://wyvern-mind.example/peer.",
            "https://wyvern-mind.example/peer",
            "trailing punctuation removed",
        ),
        ("HTTPS://wyvern-mind.example", "https://wyvern-mind.example", ""),
        (
            "https://wyvern.example/our services",
            "https://wyvern.example/our%20services",
            "spaces written as %20",
        ),
        ("https://wyvern-mind.example", "https://wyvern-mind.example", ""),
    ],
)
def test_web_addresses_are_put_right(given, stored, note):
    assert normalise.url(given) == (stored, note)


@pytest.mark.parametrize("given", ["see our website", "htp//wyvern", "Tuesday"])
def test_what_is_not_a_web_address_says_so(given):
    with pytest.raises(normalise.Unusable, match="is not a web address"):
        normalise.url(given)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("mailto:hello@wyvern-mind.example", "hello@wyvern-mind.example"),
        ("  hello@wyvern-mind.example ", "hello@wyvern-mind.example"),
        ("<hello@wyvern-mind.example>", "hello@wyvern-mind.example"),
        ("hello@wyvern-mind.example; admin@wyvern-mind.example", "hello@wyvern-mind.example"),
        ("hello @wyvern-mind.example", "hello@wyvern-mind.example"),
    ],
)
def test_email_addresses_are_put_right(given, stored):
    assert normalise.email(given)[0] == stored


def test_what_is_not_an_email_address_says_so():
    with pytest.raises(normalise.Unusable, match="is not an email address"):
        normalise.email("ring us instead")


@pytest.mark.parametrize(
    ("given", "number", "extension"),
    [
        ("01632960123", "01632 960123", ""),
        ("(01632) 960123", "01632 960123", ""),
        ("+44 (0)1632 960123", "01632 960123", ""),
        ("+441632 960123", "01632 960123", ""),
        ("tel:01632960123", "01632 960123", ""),
        ("01632 960123 ext 45", "01632 960123", "45"),
        ("0800-123-4567", "0800 123 4567", ""),
        ("02079460000", "020 7946 0000", ""),
        ("01134960000", "0113 496 0000", ""),
        ("07700 900123", "07700 900123", ""),
        ("116 123", "116 123", ""),  # a short number, kept as given
    ],
)
def test_phone_numbers_are_written_the_uk_way(given, number, extension):
    assert normalise.phone(given)[:2] == (number, extension)


def test_a_phone_number_without_digits_says_so():
    with pytest.raises(normalise.Unusable, match="has no digits"):
        normalise.phone("ask at reception")


@pytest.mark.parametrize(
    "given",
    [
        "2026-10-05",
        "2026-10-05T09:30:00Z",
        "05/10/2026",
        "5/10/2026",
        "05-10-2026",
        "5 October 2026",
        "5th Oct 2026",
        "2026/10/05",
        "10/25/2026",
    ],
)
def test_dates_in_several_formats(given):
    expected = dt.date(2026, 10, 25) if given == "10/25/2026" else dt.date(2026, 10, 5)
    assert normalise.date(given)[0] == expected


def test_a_date_without_a_zone_is_uk_time():
    parsed, _note = normalise.datetime("05/10/2026")
    assert parsed.isoformat() == "2026-10-05T00:00:00+01:00"  # British Summer Time


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("10:00", dt.time(10)),
        ("9.30am", dt.time(9, 30)),
        ("2pm", dt.time(14)),
        ("14.15", dt.time(14, 15)),
    ],
)
def test_times_in_several_formats(given, expected):
    assert normalise.time(given)[0] == expected


def test_html_is_made_plain_text():
    plain, note = normalise.text("<p>Tea &amp; talk.</p><ul><li>Free</li><li>No referral</li></ul>")
    assert plain == "Tea & talk.\n- Free\n- No referral"
    assert note == "HTML made plain text"
    assert normalise.text("Plain words") == ("Plain words", "")


def test_long_text_is_cut_at_a_word():
    cut = normalise.shorten("open to everyone who lives in Wyvern " * 10, 50)
    assert len(cut) <= 50 and cut.endswith("…") and " " not in cut[-2:]
