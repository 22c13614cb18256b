"""Courses as data: the list Alongside ships (``courses.json``, loaded after every migrate) and
a site's own files (``alongside workforce courses load FILE``).

A file is one JSON object::

    {"courses": [{"key", "title", "description", "valid_for_months"}],
     "role_requirements": [{"role", "course"}],
     "episode_requirements": [{"course", "intensity"?, "team_type"?}]}

Only ``courses`` is required. A file is checked whole before anything is saved: every problem is
listed, and a file with any problem saves nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from alongside.care.models import Intensity
from alongside.organisations.models import Role, TeamType
from alongside.workforce.models import (
    KEY_PATTERN,
    LONGEST_VALIDITY_MONTHS,
    Course,
    EpisodeRequirement,
    RoleRequirement,
)

SHIPPED = Path(__file__).with_name("courses.json")
_COURSE_FIELDS = {"key", "title", "description", "valid_for_months"}
_ROLE_FIELDS = {"role", "course"}
_EPISODE_FIELDS = {"course", "intensity", "team_type"}


class CoursesInvalid(ValueError):
    """A course file with problems; ``problems`` lists every one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class CourseSpec:
    key: str
    title: str
    description: str
    valid_for_months: int | None


@dataclass
class CourseFile:
    courses: list[CourseSpec] = field(default_factory=list)
    role_requirements: list[tuple[str, str]] = field(default_factory=list)
    episode_requirements: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Loaded:
    """What a load changed."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    requirements_added: int = 0


def _unknown(item: dict[str, Any], allowed: set[str], where: str, problems: list[str]) -> None:
    for name in sorted(set(item) - allowed):
        problems.append(f"{where}: unknown field '{name}'")


def _list(data: dict[str, Any], name: str, problems: list[str], *, required: bool) -> list[Any]:
    value = data.get(name)
    if value is None:
        if required:
            problems.append(f"'{name}' is missing: give a list")
        return []
    if not isinstance(value, list):
        problems.append(f"'{name}' must be a list")
        return []
    return value


def check(data: Any, *, known_keys: Iterable[str] = ()) -> CourseFile:
    """Check a parsed course file; return it, or raise ``CoursesInvalid`` with every problem.
    ``known_keys`` are courses already in the database, which requirements may name."""
    problems: list[str] = []
    parsed = CourseFile()
    if not isinstance(data, dict):
        raise CoursesInvalid(["The file must hold one JSON object with a 'courses' list"])
    _unknown(data, {"courses", "role_requirements", "episode_requirements"}, "The file", problems)
    seen: set[str] = set()
    for n, item in enumerate(_list(data, "courses", problems, required=True), start=1):
        where = f"Course {n}"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be an object")
            continue
        key = item.get("key")
        if isinstance(key, str) and key:
            where = f"Course {n} ('{key}')"
        _unknown(item, _COURSE_FIELDS, where, problems)
        ok = True
        if not isinstance(key, str) or not re.match(KEY_PATTERN, key) or len(key) > 60:
            problems.append(
                f"{where}: 'key' must be lower-case letters, digits and hyphens "
                "(up to 60 characters)"
            )
            ok = False
        elif key in seen:
            problems.append(f"{where}: the key '{key}' is used twice in the file")
            ok = False
        title = item.get("title")
        if not isinstance(title, str) or not title.strip() or len(title) > 200:
            problems.append(f"{where}: 'title' must be text of 1 to 200 characters")
            ok = False
        description = item.get("description", "")
        if not isinstance(description, str):
            problems.append(f"{where}: 'description' must be text")
            ok = False
        months = item.get("valid_for_months")
        if months is not None and (
            isinstance(months, bool)
            or not isinstance(months, int)
            or not 1 <= months <= LONGEST_VALIDITY_MONTHS
        ):
            problems.append(
                f"{where}: 'valid_for_months' must be a whole number from 1 to "
                f"{LONGEST_VALIDITY_MONTHS}, or null for no expiry"
            )
            ok = False
        if isinstance(key, str):
            seen.add(key)
        if ok:
            parsed.courses.append(CourseSpec(key, title.strip(), description.strip(), months))
    courses = seen | set(known_keys)

    def course_ref(value: Any, where: str) -> bool:
        if not isinstance(value, str) or value not in courses:
            problems.append(f"{where}: 'course' must be the key of a course in the file or here")
            return False
        return True

    for n, item in enumerate(_list(data, "role_requirements", problems, required=False), 1):
        where = f"Role requirement {n}"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be an object")
            continue
        _unknown(item, _ROLE_FIELDS, where, problems)
        ok = course_ref(item.get("course"), where)
        if item.get("role") not in Role.values:
            problems.append(f"{where}: 'role' must be one of {', '.join(Role.values)}")
            ok = False
        if ok:
            parsed.role_requirements.append((item["role"], item["course"]))
    for n, item in enumerate(_list(data, "episode_requirements", problems, required=False), 1):
        where = f"Episode requirement {n}"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be an object")
            continue
        _unknown(item, _EPISODE_FIELDS, where, problems)
        ok = course_ref(item.get("course"), where)
        intensity = item.get("intensity") or ""
        team_type = item.get("team_type") or ""
        if intensity and intensity not in Intensity.values:
            problems.append(f"{where}: 'intensity' must be one of {', '.join(Intensity.values)}")
            ok = False
        if team_type and team_type not in TeamType.values:
            problems.append(f"{where}: 'team_type' must be one of {', '.join(TeamType.values)}")
            ok = False
        if not intensity and not team_type:
            problems.append(f"{where}: give an 'intensity', a 'team_type' or both")
            ok = False
        if ok:
            parsed.episode_requirements.append((item["course"], intensity, team_type))
    if problems:
        raise CoursesInvalid(problems)
    return parsed


def read(path: Path) -> Any:
    """The parsed JSON of a file, or ``CoursesInvalid`` saying why it cannot be read."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CoursesInvalid([f"There is no file at {path}"]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise CoursesInvalid([f"The file cannot be read: {error}"]) from None
    except json.JSONDecodeError as error:
        raise CoursesInvalid(
            [f"The file is not valid JSON: {error.msg} (line {error.lineno})"]
        ) from None


@transaction.atomic
def load(data: Any, *, shipped: bool = False) -> Loaded:
    """Check and save a course file's courses (added, or updated by key) and requirements
    (added if new). All or nothing."""
    parsed = check(data, known_keys=set(Course.objects.values_list("key", flat=True)))
    result = Loaded()
    existing = {c.key: c for c in Course.objects.select_for_update()}
    for spec in parsed.courses:
        fields = {
            "title": spec.title,
            "description": spec.description,
            "valid_for_months": spec.valid_for_months,
        }
        course = existing.get(spec.key)
        if course is None:
            course = Course(key=spec.key, shipped=shipped, **fields)
            course.full_clean()
            course.save()
            existing[spec.key] = course
            result.added += 1
        elif any(getattr(course, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(course, k, v)
            course.full_clean()
            course.save()
            result.updated += 1
        else:
            result.unchanged += 1
    for role, key in parsed.role_requirements:
        _, made = RoleRequirement.objects.get_or_create(role=role, course=existing[key])
        result.requirements_added += made
    for key, intensity, team_type in parsed.episode_requirements:
        _, made = EpisodeRequirement.objects.get_or_create(
            course=existing[key], intensity=intensity, team_type=team_type
        )
        result.requirements_added += made
    return result


def load_file(path: Path) -> Loaded:
    return load(read(path))


def sync_shipped() -> Loaded:
    """Load the shipped course list (idempotent: a second run changes nothing)."""
    return load(read(SHIPPED), shipped=True)
