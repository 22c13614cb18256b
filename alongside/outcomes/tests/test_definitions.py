"""Definition files: every problem is found and located, and loading is idempotent."""

import copy
import json

import pytest

from alongside.outcomes import engine, registry
from alongside.outcomes.engine import DefinitionError
from alongside.outcomes.models import Questionnaire, Source


def small() -> dict:
    """A two-question measure, valid as it stands."""
    return {
        "resourceType": "Questionnaire",
        "name": "mood2",
        "version": "1",
        "title": "Two mood questions",
        "answerLists": {
            "often": [
                {"code": "a", "display": "Never", "value": 0},
                {"code": "b", "display": "Sometimes", "value": 1},
                {"code": "c", "display": "Often", "value": 2},
            ]
        },
        "item": [
            {
                "linkId": "1",
                "type": "choice",
                "required": True,
                "text": "Low?",
                "answerList": "often",
            },
            {
                "linkId": "2",
                "type": "choice",
                "required": True,
                "text": "Flat?",
                "answerList": "often",
            },
        ],
        "scoring": {
            "scores": [
                {
                    "id": "total",
                    "method": "sum",
                    "items": ["1", "2"],
                    "min": 0,
                    "max": 4,
                    "better": "lower",
                    "change": True,
                    "reliableChange": {"threshold": 2, "source": "Worked example"},
                    "bands": [
                        {"min": 0, "max": 1, "label": "Low"},
                        {"min": 2, "max": 4, "label": "High"},
                    ],
                }
            ]
        },
    }


def problems(data: object) -> dict[str, str]:
    with pytest.raises(DefinitionError) as refused:
        engine.parse(data)
    return {p.location: p.message for p in refused.value.problems}


def test_the_small_definition_is_valid():
    measure = engine.parse(small())
    assert engine.score(measure, ["b", "c"]).scores[0].band == "High"


def test_an_unknown_item_type_is_named_with_its_location():
    data = small()
    data["item"][1]["type"] = "slider"
    found = problems(data)
    assert 'unknown item type "slider"' in found["item[1] (2).type"]


def test_duplicate_link_ids_are_refused():
    data = small()
    data["item"][1]["linkId"] = "1"
    assert '"1" is used by more than one item' in problems(data)["item[1] (1).linkId"]


def test_missing_scoring_is_refused():
    data = small()
    del data["scoring"]
    assert "at least one score" in problems(data)["scoring"]


def test_every_problem_is_listed_not_just_the_first():
    data = small()
    data["name"] = "Has Spaces"
    data["item"][0]["text"] = ""
    data["scoring"]["scores"][0]["max"] = 9
    data["scoring"]["scores"][0]["bands"][1]["min"] = 1
    del data["title"]
    found = problems(data)
    assert set(found) >= {"name", "title", "item[0] (1).text", "scoring.scores[0] (total)"}
    assert "declares 0–9 but its items give 0–4" in found["scoring.scores[0] (total)"]


@pytest.mark.parametrize(
    ("change", "location", "message"),
    [
        (lambda d: d["scoring"]["scores"][0].update(items=["1", "3"]), "items", "not scored"),
        (lambda d: d["scoring"]["scores"][0].update(method="median"), "method", "must be one of"),
        (
            lambda d: d["scoring"]["scores"][0]["bands"].pop(),
            "bands",
            "must cover the whole range",
        ),
        (
            lambda d: d["scoring"]["scores"][0].update(reliableChange={"threshold": 2}),
            "reliableChange",
            "its source",
        ),
        (lambda d: d["answerLists"]["often"][0].pop("value"), "items", "needs a value"),
        (
            lambda d: d["answerLists"]["often"].append({"code": "a", "value": 3}),
            "",
            "appears more than once",
        ),
        (
            lambda d: d["scoring"].update(
                flags=[{"id": "x", "item": "9", "above": 0, "label": "?"}]
            ),
            "item",
            "scored item",
        ),
    ],
)
def test_scoring_problems(change, location, message):
    data = small()
    change(data)
    found = problems(data)
    assert any(loc.endswith(location) and message in text for loc, text in found.items()), found


def test_not_a_questionnaire_at_all():
    assert problems([]) == {"": "a definition is a JSON object"}
    assert (
        'must be "Questionnaire"'
        in problems({**small(), "resourceType": "Patient"})["resourceType"]
    )


# --- Loading (database) ------------------------------------------------------------------------


@pytest.mark.django_db
def test_loading_is_idempotent_and_a_changed_definition_needs_a_new_version(tmp_path):
    path = tmp_path / "mood2.json"
    path.write_text(json.dumps(small()))
    first = registry.load_file(path)
    assert registry.load_file(path) == first
    changed = small()
    changed["title"] = "Changed"
    path.write_text(json.dumps(changed))
    with pytest.raises(DefinitionError, match="new version"):
        registry.load_file(path)
    changed["version"] = "2"
    path.write_text(json.dumps(changed))
    second = registry.load_file(path)
    assert registry.current("mood2") == second
    assert Questionnaire.objects.get(pk=first.pk).is_current is False


@pytest.mark.django_db
def test_a_bad_file_saves_nothing(tmp_path):
    path = tmp_path / "bad.json"
    data = small()
    data["item"][0]["type"] = "slider"
    path.write_text(json.dumps(data))
    with pytest.raises(DefinitionError):
        registry.load_file(path)
    path.write_text("{not json")
    with pytest.raises(DefinitionError, match="line 1"):
        registry.load_file(path)
    assert not Questionnaire.objects.filter(name="mood2").exists()


@pytest.mark.django_db
def test_a_shipped_version_does_not_replace_one_the_site_loaded():
    site = copy.deepcopy(small())
    site["version"] = "site-1"
    registry.load_definition(site, source=Source.SITE)
    shipped = copy.deepcopy(small())
    shipped["version"] = "2"
    registry.load_definition(shipped, source=Source.SHIPPED)
    assert registry.current("mood2").version == "site-1"


@pytest.mark.django_db
def test_licensed_wording_makes_a_measure_usable(tmp_path):
    assert "reqol10" not in {q.name for q, _ in registry.usable()}
    wording = {
        "wordingFor": "reqol10",
        "version": "1",
        "licence": "ReQoL licence held by this site",
        "items": {str(n): {"text": f"Question {n}"} for n in range(1, 12)},
        "answerLists": {
            key: {f"r{n}": f"Answer {n}" for n in range(5)}
            for key in ("positive", "negative", "physical")
        },
    }
    path = tmp_path / "reqol10-wording.json"
    path.write_text(json.dumps({**wording, "items": {"1": {"text": "Only one"}}}))
    with pytest.raises(DefinitionError) as refused:
        registry.load_file(path)
    assert "items.2" in {p.location for p in refused.value.problems}
    path.write_text(json.dumps(wording))
    registry.load_file(path)
    assert "reqol10" in {q.name for q, _ in registry.usable()}
