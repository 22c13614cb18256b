import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from alongside.outcomes.models import Questionnaire

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("outcomes", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_score_prints_the_scores_as_json(tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(["3", "3", "2", "2", "1", "1", "0", "0", "1"]))
    out, _ = run("score", "phq9", str(answers))
    printed = json.loads(out)
    assert printed["scores"]["total"]["value"] == 13
    assert printed["scores"]["total"]["band"] == "Moderate"
    assert printed["scores"]["total"]["snomed"] == "720433000"
    assert printed["flags"] == ["self-harm-thoughts"]


def test_score_takes_an_object_of_link_ids(tmp_path):
    answers = tmp_path / "answers.json"
    life = {str(n): "5" for n in range(1, 9)}
    answers.write_text(json.dumps({**life, "4-help": True}))
    printed = json.loads(run("score", "dialog", str(answers))[0])
    assert printed["scores"]["quality-of-life"]["value"] == 5
    assert printed["more_help"] == ["4"]


def test_invalid_answers_exit_non_zero_with_the_reasons(tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"1": "7", "99": "1"}))
    err = StringIO()
    with pytest.raises(CommandError, match="answers could not be used"):
        call_command("outcomes", "score", "phq9", str(answers), stdout=StringIO(), stderr=err)
    reasons = err.getvalue()
    assert '1: "7" is not one of the answers' in reasons
    assert "99: this measure has no such question" in reasons
    assert "9: answer this question" in reasons


def test_an_unknown_measure_names_the_known_ones(tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text("[]")
    with pytest.raises(CommandError, match="phq9"):
        run("score", "phq8", str(answers))


def test_load_lists_every_problem_and_saves_nothing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "resourceType": "Questionnaire",
                "name": "x",
                "item": [{"linkId": "1", "type": "slider"}],
            }
        )
    )
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("outcomes", "load", str(bad), stdout=StringIO(), stderr=err)
    assert "unknown item type" in err.getvalue() and "scoring" in err.getvalue()
    assert not Questionnaire.objects.filter(name="x").exists()


def test_list_says_which_measures_need_licensed_wording():
    out, _ = run("list")
    assert "phq9" in out
    reqol = next(line for line in out.splitlines() if line.startswith("reqol10"))
    assert "needs its licensed wording" in reqol
