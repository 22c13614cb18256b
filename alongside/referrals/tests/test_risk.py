"""Risk words: the maintained list and how text is matched against it."""

from __future__ import annotations

import pytest

from alongside.referrals import risk
from alongside.referrals.models import Urgency


def test_the_list_names_its_owner_provenance_and_review():
    header = risk.WORDS_FILE.read_text(encoding="utf-8")
    assert "Owner: the clinical safety officer" in header
    assert "Provenance:" in header
    assert "Next review:" in header


def test_every_listed_phrase_matches_itself_and_the_list_is_not_empty():
    listed = risk.risk_list()
    assert len(listed.phrases) > 30
    assert listed.needs
    for phrase in listed.phrases:
        assert risk.risk_phrases_in(listed.originals[phrase]), phrase


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Last night I thought about ENDING MY LIFE.", "end my life"),
        ("i've been cutting myself", "cut myself"),
        ("I cut myself again", "cut myself"),
        ("I overdosed at the weekend", "overdose"),
        ("I don't want to be here any more", "dont want to be here"),
        ("I don’t want to be here", "dont want to be here"),
        ("Feeling suicidal; self-harm most days", "suicidal"),
        ("Feeling suicidal; self-harm most days", "self harm"),
        ("I keep thinking everyone would be better off without me", "better off without me"),
    ],
)
def test_matching_copes_with_case_punctuation_and_word_forms(text, expected):
    assert expected in risk.risk_phrases_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "Cutting back on sugar has helped my life",
        "My sister ended her job; I want to be here for her",
        "Low mood for months, struggling to sleep",
    ],
)
def test_ordinary_words_are_not_risk_words(text):
    assert risk.risk_phrases_in(text) == []


def test_the_assessment_of_the_crisis_self_referral_is_urgent_with_the_reasons():
    found = risk.assess(
        texts=["I have been cutting myself and last night I thought about ending my life"],
        need_names=["Crisis", "Self-harm"],
    )
    assert found.urgency == Urgency.URGENT
    assert "Asked for help with: Crisis, Self-harm" in found.reason
    assert "“end my life”" in found.reason and "“cut myself”" in found.reason


def test_thoughts_and_not_safe_now_make_an_emergency_and_no_risk_stays_routine():
    assert risk.assess(texts=[""], need_names=[], thoughts="yes", safe_now="no").urgency == (
        Urgency.EMERGENCY
    )
    assert risk.assess(texts=[""], need_names=[], thoughts="yes", safe_now="yes").urgency == (
        Urgency.URGENT
    )
    calm = risk.assess(texts=["Low mood"], need_names=["Anxiety"], thoughts="no")
    assert (calm.urgency, calm.reasons) == (Urgency.ROUTINE, ())
