"""Labels inside sentences keep the capitals of abbreviations and names."""

import pytest

from alongside.core.formats import mid_sentence


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Phone", "phone"),
        ("Date of birth", "date of birth"),
        ("GP practice", "GP practice"),  # not "gP practice"
        ("NHS number", "NHS number"),
        ("PHQ-9 total score", "PHQ-9 total score"),
        ("I have felt down", "I have felt down"),
        ("With Priya Sandhu", "with Priya Sandhu"),
        ("By you, online", "by you, online"),
        ("", ""),
    ],
)
def test_mid_sentence(label, expected):
    assert mid_sentence(label) == expected
