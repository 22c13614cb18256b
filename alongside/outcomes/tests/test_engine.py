"""The engine against hand-worked cases for each shipped measure, and properties that hold for
any answers. No database: the engine reads the shipped files directly."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alongside.outcomes import engine
from alongside.outcomes.engine import AnswerError, Change, reliable_change

DEFINITIONS = Path(engine.__file__).resolve().parent / "definitions"


def load(name: str) -> engine.Measure:
    data = json.loads((DEFINITIONS / f"{name}.json").read_text())
    wording = DEFINITIONS / f"{name}-wording.json"
    return engine.parse(data, json.loads(wording.read_text()) if wording.exists() else None)


PHQ9, GAD7, DIALOG, GBO = load("phq9"), load("gad7"), load("dialog"), load("gbo")
COLLABORATE = load("collaborate")


def total(measure: engine.Measure, answers: object, key: str = "total") -> Decimal | None:
    result = engine.score(measure, answers)
    return next(s for s in result.scores if s.id == key).value


def band(measure: engine.Measure, answers: object, key: str = "total") -> str:
    return next(s for s in engine.score(measure, answers).scores if s.id == key).band


# --- PHQ-9 -------------------------------------------------------------------------------------


def test_phq9_all_minimum_and_all_maximum():
    assert total(PHQ9, ["0"] * 9) == 0 and band(PHQ9, ["0"] * 9) == "None to minimal"
    assert total(PHQ9, ["3"] * 9) == 27 and band(PHQ9, ["3"] * 9) == "Severe"


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (4, "None to minimal"),
        (5, "Mild"),
        (9, "Mild"),
        (10, "Moderate"),
        (14, "Moderate"),
        (15, "Moderately severe"),
        (19, "Moderately severe"),
        (20, "Severe"),
    ],
)
def test_phq9_band_boundaries(score, expected):
    answers = [str(min(3, max(0, score - 3 * n))) for n in range(9)]
    assert total(PHQ9, answers) == score
    assert band(PHQ9, answers) == expected


def test_phq9_mixed_answers_and_the_optional_difficulty_question():
    answers = {"1": "2", "2": "1", "3": "3", "4": "0", "5": "1", "6": "2", "7": "0", "8": "1"}
    assert total(PHQ9, {**answers, "9": "0"}) == 10
    # Question 10 (how difficult) is not scored, and may be left out.
    assert total(PHQ9, {**answers, "9": "0", "10": "3"}) == 10


def test_phq9_question_9_above_0_raises_the_self_harm_flag():
    quiet = engine.score(PHQ9, ["1"] * 8 + ["0"])
    raised = engine.score(PHQ9, ["0"] * 8 + ["1"])
    assert quiet.flags == ()
    assert [f.id for f in raised.flags] == ["self-harm-thoughts"]
    assert "safety plan" in raised.flags[0].prompt


def test_phq9_a_missing_required_answer_is_refused_with_its_question():
    with pytest.raises(AnswerError) as refused:
        engine.score(PHQ9, {str(n): "1" for n in range(1, 9)})
    assert refused.value.by_item() == {"9": "answer this question"}


# --- GAD-7 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "score", "expected"),
    [
        (["0"] * 7, 0, "Minimal"),
        (["3"] * 7, 21, "Severe"),
        (["1", "1", "1", "1", "0", "0", "0"], 4, "Minimal"),
        (["1", "1", "1", "1", "1", "0", "0"], 5, "Mild"),
        (["2", "2", "2", "1", "1", "1", "0"], 9, "Mild"),
        (["2", "2", "2", "2", "1", "1", "0"], 10, "Moderate"),
        (["2", "2", "2", "2", "2", "2", "2"], 14, "Moderate"),
        (["3", "2", "2", "2", "2", "2", "2"], 15, "Severe"),
    ],
)
def test_gad7_totals_and_bands(answers, score, expected):
    assert total(GAD7, answers) == score
    assert band(GAD7, answers) == expected


# --- DIALOG ------------------------------------------------------------------------------------


def dialog(life: list[int], treatment: list[int | None], help_with: tuple[int, ...] = ()) -> dict:
    answers: dict[str, object] = {str(n): str(v) for n, v in enumerate(life, 1)}
    for n, value in enumerate(treatment, 9):
        if value is not None:
            answers[str(n)] = str(value)
    for n in help_with:
        answers[f"{n}-help"] = "yes"
    return answers


def test_dialog_all_minimum_and_all_maximum():
    assert total(DIALOG, dialog([1] * 8, [1, 1, 1]), "quality-of-life") == 1
    assert total(DIALOG, dialog([7] * 8, [7, 7, 7]), "quality-of-life") == 7
    assert total(DIALOG, dialog([7] * 8, [7, 7, 7]), "treatment-satisfaction") == 7


def test_dialog_quality_of_life_is_the_mean_of_the_8_life_domains_only():
    answers = dialog([4, 5, 3, 7, 1, 2, 6, 5], [1, 1, 1])
    assert total(DIALOG, answers, "quality-of-life") == Decimal("4.13")  # 33 / 8 = 4.125
    assert total(DIALOG, answers, "treatment-satisfaction") == 1


def test_dialog_treatment_items_are_optional_and_left_out_of_change():
    answers = dialog([4] * 8, [None, 6, None])
    assert total(DIALOG, answers, "treatment-satisfaction") == 6
    assert total(DIALOG, dialog([4] * 8, [None, None, None]), "treatment-satisfaction") is None
    assert [s.id for s in DIALOG.change_scores] == ["quality-of-life"]


def test_dialog_more_help_is_recorded_per_domain():
    result = engine.score(DIALOG, dialog([3] * 8, [4, 4, 4], help_with=(4, 9)))
    assert result.more_help == ("4", "9")


def test_dialog_rating_outside_1_to_7_is_refused():
    with pytest.raises(AnswerError) as refused:
        engine.score(DIALOG, {**dialog([4] * 8, []), "3": "0"})
    assert "3" in refused.value.by_item()


# --- Goal Based Outcomes -----------------------------------------------------------------------


def test_gbo_each_goal_and_the_mean_of_those_rated():
    result = engine.score(GBO, {"goal-1": 2, "goal-2": "7"})
    values = {s.id: s.value for s in result.scores}
    assert values == {"goal-1": 2, "goal-2": 7, "goal-3": None, "mean": Decimal("4.50")}


def test_gbo_ratings_are_0_to_10_whole_numbers():
    for bad in (11, -1, "x", 2.5, True):
        with pytest.raises(AnswerError):
            engine.score(GBO, {"goal-1": bad})
    assert total(GBO, {"goal-1": 0}, "mean") == 0
    assert total(GBO, {"goal-1": 10, "goal-2": 10, "goal-3": 10}, "mean") == 10


def test_gbo_anchors_come_from_their_own_licensed_file():
    data = json.loads((DEFINITIONS / "gbo.json").read_text())
    bare = engine.parse(data)
    assert bare.needs_wording
    assert "CC BY-NC-SA" in GBO.wording_licence and not GBO.needs_wording
    assert "halfway" in GBO.item("goal-1").hint


# --- ReQoL-10: shipped without its wording ------------------------------------------------------


def test_reqol10_needs_licensed_wording_and_scores_once_given_it():
    data = json.loads((DEFINITIONS / "reqol10.json").read_text())
    assert engine.parse(data).needs_wording
    wording = {
        "wordingFor": "reqol10",
        "licence": "Licensed to this site",
        "items": {str(n): {"text": f"Licensed question {n}"} for n in range(1, 12)},
        "answerLists": {
            key: {f"r{n}": f"Answer {n}" for n in range(5)}
            for key in ("positive", "negative", "physical")
        },
    }
    measure = engine.parse(data, wording)
    assert measure.usable and measure.item("1").text == "Licensed question 1"
    # Item 1 is negatively worded (r0 scores 4), item 2 positively (r4 scores 4).
    best = ["r0", "r4", "r0", "r4", "r4", "r0", "r4", "r4", "r0", "r4"]
    assert total(measure, best) == 40
    assert total(measure, ["r2"] * 10) == 20


def test_wording_must_cover_every_question_and_nothing_else():
    data = json.loads((DEFINITIONS / "reqol10.json").read_text())
    problems = engine.check_wording(data, {"licence": "x", "items": {"99": {"text": "?"}}})
    locations = {p.location for p in problems}
    assert "items.99" in locations and "items.1" in locations
    assert "answerLists.positive" in locations


# --- CollaboRATE ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected_total", "expected_top"),
    [
        ({"1": 9, "2": 9, "3": 9}, 27, 1),
        ({"1": 9, "2": 8, "3": 9}, 26, 0),
        ({"1": 0, "2": 0, "3": 0}, 0, 0),
        ([5, 9, 2], 16, 0),
    ],
)
def test_collaborate_total_and_top_score(answers, expected_total, expected_top):
    assert total(COLLABORATE, answers) == expected_total
    assert total(COLLABORATE, answers, key="top") == expected_top


@pytest.mark.parametrize("bad", [{"1": 10, "2": 9, "3": 9}, {"1": -1, "2": 0, "3": 0}])
def test_collaborate_answers_outside_0_to_9_are_refused(bad):
    with pytest.raises(AnswerError):
        engine.score(COLLABORATE, bad)


def test_collaborate_needs_every_answer_and_its_licensed_wording():
    with pytest.raises(AnswerError):
        engine.score(COLLABORATE, {"1": 9, "2": 9})
    assert COLLABORATE.needs_wording and not COLLABORATE.usable


def test_a_top_score_must_look_at_every_item_it_names():
    data = json.loads((DEFINITIONS / "collaborate.json").read_text())
    data["scoring"]["scores"][1]["minAnswered"] = 2
    with pytest.raises(engine.DefinitionError, match="top score needs every item"):
        engine.parse(data)


# --- Reliable change ---------------------------------------------------------------------------


def test_reliable_change_uses_each_scores_threshold_and_direction():
    phq = PHQ9.score("total")
    assert reliable_change(phq, Decimal(18), Decimal(12)) == Change.IMPROVED  # 6 lower
    assert reliable_change(phq, Decimal(18), Decimal(13)) == Change.NO_RELIABLE_CHANGE
    assert reliable_change(phq, Decimal(10), Decimal(16)) == Change.DETERIORATED
    qol = DIALOG.score("quality-of-life")
    assert reliable_change(qol, Decimal("3.50"), Decimal("4.50")) == Change.IMPROVED
    assert reliable_change(qol, Decimal("3.50"), Decimal("4.49")) == Change.NO_RELIABLE_CHANGE
    assert reliable_change(qol, Decimal("4.50"), Decimal("3.50")) == Change.DETERIORATED
    gad = GAD7.score("total")
    assert reliable_change(gad, Decimal(12), Decimal(8)) == Change.IMPROVED
    gbo = GBO.score("mean")
    assert reliable_change(gbo, Decimal(2), Decimal(5)) == Change.IMPROVED
    assert reliable_change(gbo, Decimal(2), Decimal("4.99")) == Change.NO_RELIABLE_CHANGE
    assert reliable_change(DIALOG.score("treatment-satisfaction"), 1, 7) == Change.NOT_ASSESSED


def test_thresholds_are_those_nhs_england_uses():
    thresholds = {
        m.name: {s.id: s.reliable_change for s in m.change_scores}
        for m in (PHQ9, GAD7, DIALOG, GBO)
    }
    assert thresholds == {
        "phq9": {"total": 6},
        "gad7": {"total": 4},
        "dialog": {"quality-of-life": 1},
        "gbo": {"mean": 3},
    }


# --- Properties --------------------------------------------------------------------------------


def answer_sets(measure: engine.Measure) -> st.SearchStrategy[dict]:
    """Any valid answers: every required question answered, optional ones sometimes."""
    fields = {}
    for item in measure.answerable:
        if item.type == "choice":
            value = st.sampled_from([o.code for o in item.options])
        elif item.type == "integer":
            value = st.integers(item.min_value, item.max_value)
        elif item.type == "boolean":
            value = st.booleans()
        else:
            value = st.text(max_size=20)
        fields[item.link_id] = value if item.required else st.one_of(st.none(), value)
    return st.fixed_dictionaries(fields).map(
        lambda d: {k: v for k, v in d.items() if v is not None}
    )


@pytest.mark.parametrize("measure", [PHQ9, GAD7, DIALOG, GBO, COLLABORATE], ids=lambda m: m.name)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_every_score_is_within_its_range_and_has_a_band(measure, data):
    answers = data.draw(answer_sets(measure))
    for value in engine.score(measure, answers).scores:
        if value.value is None:
            assert value.answered < value.rule.min_answered
            continue
        assert value.rule.low <= value.value <= value.rule.high
        if value.rule.bands:
            assert value.band


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["0", "1", "2", "3"]), min_size=9, max_size=9))
def test_phq9_total_is_the_sum_of_the_nine_answers(answers):
    assert total(PHQ9, answers) == sum(int(a) for a in answers)


@settings(max_examples=100, deadline=None)
@given(
    st.decimals(min_value=0, max_value=27, places=0),
    st.decimals(min_value=0, max_value=27, places=0),
)
def test_reliable_change_is_symmetric(first, latest):
    rule = PHQ9.score("total")
    forward, back = reliable_change(rule, first, latest), reliable_change(rule, latest, first)
    swapped = {Change.IMPROVED: Change.DETERIORATED, Change.DETERIORATED: Change.IMPROVED}
    assert back == swapped.get(forward, forward)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), st.text(max_size=5))))
def test_any_junk_is_refused_with_reasons_never_crashes(junk):
    try:
        engine.score(PHQ9, junk)
    except AnswerError as refused:
        assert refused.problems
