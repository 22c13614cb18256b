"""Outcome measures as FHIR R4: a definition as a ``Questionnaire``, a response as a
``QuestionnaireResponse``, and each of its scores as an ``Observation`` derived from it.

These are plain dictionaries (JSON-ready) so that the FHIR API can serve them as they are; the
tests check them against the R4 resource models.

Corrections: a response that a correction replaced is ``entered-in-error`` (and so are its
observations); the correction is ``amended``. Anything not yet completed is ``in-progress`` and
has no observations.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings

from alongside.outcomes import registry
from alongside.outcomes.engine import SNOMED, Item, Measure, ScoreRule
from alongside.outcomes.models import Mode, Questionnaire, Response, Score, Status

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
#: Scores with no SNOMED CT code (DIALOG's means, GBO's mean) are coded in a local system.
LOCAL_SCORES = "/CodeSystem/outcome-scores"


def _base() -> str:
    return settings.ALONGSIDE_FHIR_BASE


def canonical(questionnaire: Questionnaire) -> str:
    return f"{_base()}/Questionnaire/{questionnaire.name}|{questionnaire.version}"


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _item(item: Item) -> dict[str, Any]:
    types = {"choice": "choice", "integer": "integer", "boolean": "boolean", "string": "text"}
    resource: dict[str, Any] = {
        "linkId": item.link_id,
        "text": item.text or f"Question {item.link_id} (licensed wording not loaded)",
        "type": types.get(item.type, "display"),
    }
    if item.answerable:
        resource["required"] = item.required
    if item.codes:
        resource["code"] = [dict(c) for c in item.codes]
    if item.type == "choice":
        resource["answerOption"] = [
            {
                "valueCoding": {"code": o.code, "display": o.display or o.code},
                **(
                    {"extension": [{"url": ORDINAL_VALUE, "valueDecimal": _number(o.value)}]}
                    if o.value is not None
                    else {}
                ),
            }
            for o in item.options
        ]
    if item.type == "integer":
        resource["extension"] = [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/minValue",
                "valueInteger": item.min_value,
            },
            {
                "url": "http://hl7.org/fhir/StructureDefinition/maxValue",
                "valueInteger": item.max_value,
            },
        ]
    return resource


def questionnaire_resource(questionnaire: Questionnaire) -> dict[str, Any]:
    """The definition as a FHIR R4 Questionnaire (the scoring block stays ours)."""
    measure = registry.measure(questionnaire)
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": f"{questionnaire.name}-{questionnaire.version}",
        "url": f"{_base()}/Questionnaire/{questionnaire.name}",
        "version": questionnaire.version,
        "name": questionnaire.name,
        "title": measure.title,
        "status": "active" if questionnaire.is_current else "retired",
        "subjectType": ["Patient"],
        "item": [_item(i) for i in measure.items],
    }
    if measure.description:
        resource["description"] = measure.description
    if measure.copyright or measure.wording_licence:
        resource["copyright"] = " ".join(filter(None, [measure.copyright, measure.wording_licence]))
    if measure.codes:
        resource["code"] = [dict(c) for c in measure.codes]
    return resource


def _status(response: Response, *, replaced: bool) -> str:
    if response.status != Status.COMPLETED:
        return "in-progress"
    if replaced:
        return "entered-in-error"
    return "amended" if response.corrects_id else "completed"


def _answer(item: Item, value: Any) -> dict[str, Any]:
    if item.type == "choice":
        option = item.option(str(value))
        return {"valueCoding": {"code": str(value), "display": option.display if option else ""}}
    if item.type == "integer":
        return {"valueInteger": int(value)}
    if item.type == "boolean":
        return {"valueBoolean": bool(value)}
    return {"valueString": str(value)}


def _people(response: Response) -> dict[str, Any]:
    subject = {"reference": f"Patient/{response.person_id}"}
    if response.mode == Mode.SELF:
        source = subject
    else:
        source = {"reference": f"Practitioner/{response.completed_by_id or response.started_by_id}"}
    return {"subject": subject, "author": source, "source": subject}


def response_resource(response: Response, *, replaced: bool = False) -> dict[str, Any]:
    """A response as a FHIR R4 QuestionnaireResponse. ``replaced`` says a completed correction
    has replaced it (the caller knows; see :func:`is_replaced`)."""
    measure: Measure = registry.measure(response.questionnaire)
    when = response.completed_at or response.updated_at
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": f"outcome-response-{response.pk}",
        "questionnaire": canonical(response.questionnaire),
        "status": _status(response, replaced=replaced),
        "authored": when.isoformat(),
        **_people(response),
        "item": [
            {
                "linkId": item.link_id,
                **({"text": item.text} if item.text else {}),
                "answer": [_answer(item, response.answers[item.link_id])],
            }
            for item in measure.answerable
            if item.link_id in response.answers
        ],
    }
    if response.contact_id:
        resource["encounter"] = {"reference": f"Encounter/contact-{response.contact_id}"}
    if response.corrects_id:
        resource["extension"] = [
            {
                "url": f"{_base()}/StructureDefinition/corrects",
                "valueReference": {
                    "reference": f"QuestionnaireResponse/outcome-response-{response.corrects_id}"
                },
            }
        ]
    return resource


def _score_code(measure: Measure, rule: ScoreRule) -> dict[str, Any]:
    codings = [dict(c) for c in rule.codes if c.get("system") == SNOMED]
    codings.append(
        {
            "system": f"{_base()}{LOCAL_SCORES}",
            "code": f"{measure.name}.{rule.id}",
            "display": rule.label,
        }
    )
    return {"coding": codings, "text": f"{measure.short_title}: {rule.label}"}


def observations(response: Response) -> list[dict[str, Any]]:
    """Each score of a completed response as a FHIR R4 Observation derived from it."""
    if response.status != Status.COMPLETED:
        return []
    measure = registry.measure(response.questionnaire)
    rules = {rule.id: rule for rule in measure.scores}
    found: list[dict[str, Any]] = []
    score: Score
    for score in response.scores.all():
        rule = rules[score.key]
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "id": f"outcome-score-{score.pk}",
            "status": "final" if score.current else "entered-in-error",
            "category": [
                {
                    "coding": [
                        {"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}
                    ]
                }
            ],
            "code": _score_code(measure, rule),
            "subject": {"reference": f"Patient/{score.person_id}"},
            "effectiveDateTime": score.completed_at.isoformat(),
            "valueQuantity": {"value": _number(score.value.normalize()), "unit": "score"},
            "derivedFrom": [{"reference": f"QuestionnaireResponse/outcome-response-{response.pk}"}],
        }
        if score.band:
            resource["interpretation"] = [{"text": score.band}]
        found.append(resource)
    return found


def is_replaced(response: Response) -> bool:
    return response.corrections.filter(status=Status.COMPLETED).exists()
