"""Courses as data: the shipped list after migrate (idempotent), and a site's own files, checked
whole (every problem listed, nothing saved on error)."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from alongside.workforce import courses
from alongside.workforce.models import Course, EpisodeRequirement, RoleRequirement

pytestmark = pytest.mark.django_db

GOOD = {
    "courses": [
        {
            "key": "open-dialogue",
            "title": "Open Dialogue foundation",
            "description": "Network meetings with the person and those close to them.",
            "valid_for_months": None,
        },
        {"key": "dialog-plus", "title": "DIALOG+", "valid_for_months": 24},
    ],
    "role_requirements": [{"role": "practitioner", "course": "open-dialogue"}],
    "episode_requirements": [
        {"course": "safety-planning", "intensity": "high"},
        {"course": "open-dialogue", "team_type": "early_intervention"},
    ],
}


def test_the_shipped_courses_are_loaded_after_migrate_and_again_changes_nothing():
    keys = set(Course.objects.filter(shipped=True).values_list("key", flat=True))
    assert {
        "coaching-approaches",
        "dialog-plus",
        "safety-planning",
        "trauma-informed-practice",
        "safeguarding-adults-2",
        "safeguarding-adults-3",
    } <= keys
    assert Course.objects.get(key="coaching-approaches").valid_for_months is None
    again = courses.sync_shipped()
    assert (again.added, again.updated) == (0, 0)
    assert Course.objects.count() == len(keys)


def test_a_good_file_adds_courses_updates_by_key_and_adds_requirements(tmp_path):
    path = tmp_path / "ours.json"
    path.write_text(json.dumps(GOOD))
    loaded = courses.load_file(path)
    assert (loaded.added, loaded.updated, loaded.requirements_added) == (1, 1, 3)
    assert Course.objects.get(key="dialog-plus").valid_for_months == 24
    assert not Course.objects.get(key="open-dialogue").shipped
    assert RoleRequirement.objects.filter(role="practitioner", course__key="open-dialogue").exists()
    assert EpisodeRequirement.objects.filter(course__key="safety-planning", intensity="high")
    again = courses.load_file(path)
    assert (again.added, again.updated, again.unchanged, again.requirements_added) == (0, 0, 2, 0)


def test_a_bad_file_lists_every_problem_and_saves_nothing(tmp_path):
    bad = {
        "courses": [
            {"key": "Bad Key", "title": "", "valid_for_months": 0},
            {"key": "fine-one", "title": "Fine", "valid_for_months": "twelve", "colour": "red"},
            {"key": "fine-one", "title": "Again"},
            "not an object",
        ],
        "role_requirements": [{"role": "wizard", "course": "nowhere"}],
        "episode_requirements": [{"course": "fine-one"}, {"course": "fine-one", "intensity": "x"}],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    before = Course.objects.count()
    with pytest.raises(courses.CoursesInvalid) as error:
        courses.load_file(path)
    problems = error.value.problems
    text = "\n".join(problems)
    assert "Course 1 ('Bad Key'): 'key' must be lower-case" in text
    assert "Course 1 ('Bad Key'): 'title' must be text" in text
    assert "Course 1 ('Bad Key'): 'valid_for_months' must be a whole number" in text
    assert "Course 2 ('fine-one'): unknown field 'colour'" in text
    assert "Course 2 ('fine-one'): 'valid_for_months'" in text
    assert "Course 3 ('fine-one'): the key 'fine-one' is used twice" in text
    assert "Course 4: must be an object" in text
    assert "Role requirement 1: 'course' must be the key" in text
    assert "Role requirement 1: 'role' must be one of" in text
    assert "Episode requirement 1: give an 'intensity', a 'team_type' or both" in text
    assert "Episode requirement 2: 'intensity' must be one of" in text
    assert len(problems) == 11
    assert Course.objects.count() == before
    assert not Course.objects.filter(key="fine-one").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "one JSON object"),
        ("{}", "'courses' is missing"),
    ],
)
def test_unreadable_files_are_refused_in_words(tmp_path, content, message):
    path = tmp_path / "f.json"
    path.write_text(content)
    with pytest.raises(courses.CoursesInvalid) as error:
        courses.load_file(path)
    assert message in str(error.value)


def test_the_command_loads_a_file_or_lists_its_problems(tmp_path, capsys):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(GOOD))
    call_command("workforce", "courses", "load", str(good))
    assert "1 added, 1 updated" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"courses": [{"key": "x-y"}, {"title": "No key"}]}))
    with pytest.raises(CommandError) as error:
        call_command("workforce", "courses", "load", str(bad))
    assert "Nothing was saved: the file has 2 problems" in str(error.value)
    with pytest.raises(CommandError) as error:
        call_command("workforce", "courses", "load", str(tmp_path / "missing.json"))
    assert "There is no file" in str(error.value)
