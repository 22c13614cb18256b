"""Responses and scores as FHIR R4, checked against the R4 resource models."""

import pytest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaire import Questionnaire as FhirQuestionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from alongside.care import services as care
from alongside.care.tests.factories import EpisodeFactory, key_worker_for
from alongside.outcomes import fhir, registry, services
from alongside.outcomes.models import Mode, Questionnaire
from alongside.outcomes.tests.factories import DIALOG_MIDDLING, PHQ9_MILD, answered, started

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode():
    return EpisodeFactory()


@pytest.fixture
def worker(episode):
    return key_worker_for(episode)


@pytest.mark.parametrize("name", ["phq9", "gad7", "dialog", "gbo", "reqol10"])
def test_every_shipped_definition_is_a_valid_fhir_questionnaire(name):
    resource = fhir.questionnaire_resource(Questionnaire.objects.get(name=name, is_current=True))
    parsed = FhirQuestionnaire.model_validate(resource)
    assert parsed.name == name and parsed.item


def test_ordinal_values_travel_with_the_answer_options():
    resource = fhir.questionnaire_resource(registry.current("phq9"))
    question = next(i for i in resource["item"] if i["linkId"] == "9")
    values = [o["extension"][0]["valueDecimal"] for o in question["answerOption"]]
    assert values == [0, 1, 2, 3]


def test_a_completed_phq9_is_a_response_and_a_coded_observation(episode, worker):
    done = answered(episode, "phq9", PHQ9_MILD, by=worker)
    response = QuestionnaireResponse.model_validate(fhir.response_resource(done))
    assert response.status == "completed"
    assert response.questionnaire.endswith("/Questionnaire/phq9|1")
    assert response.subject.reference == f"Patient/{episode.person_id}"
    assert response.author.reference == f"Practitioner/{worker.pk}"
    assert [i.answer[0].valueCoding.code for i in response.item] == PHQ9_MILD
    [observation] = [Observation.model_validate(o) for o in fhir.observations(done)]
    assert observation.status == "final"
    assert observation.code.coding[0].system == "http://snomed.info/sct"
    assert observation.code.coding[0].code == "720433000"
    assert observation.valueQuantity.value == 7
    assert observation.interpretation[0].text == "Mild"
    assert observation.derivedFrom[0].reference.endswith(f"outcome-response-{done.pk}")


def test_dialog_answers_include_more_help_as_booleans(episode, worker):
    done = answered(
        episode, "dialog", {**DIALOG_MIDDLING, "3-help": "yes"}, by=worker, mode=Mode.SELF
    )
    resource = QuestionnaireResponse.model_validate(fhir.response_resource(done))
    assert resource.author.reference == f"Patient/{episode.person_id}"
    help_item = next(i for i in resource.item if i.linkId == "3-help")
    assert help_item.answer[0].valueBoolean is True
    means = {
        o["code"]["coding"][-1]["code"]: o["valueQuantity"]["value"]
        for o in fhir.observations(done)
    }
    assert means == {"dialog.quality-of-life": 4, "dialog.treatment-satisfaction": 4}


def test_gbo_ratings_are_integers(episode, worker):
    goal = care.add_goal(episode=episode, text="Cook a meal", by=worker)
    done = answered(episode, "gbo", {"goal-1": 6}, by=worker, goals={"goal-1": goal})
    item = QuestionnaireResponse.model_validate(fhir.response_resource(done)).item[0]
    assert item.answer[0].valueInteger == 6


def test_a_corrected_response_is_entered_in_error_and_its_correction_amended(episode, worker):
    original = answered(episode, "phq9", PHQ9_MILD, by=worker)
    correction = services.start_correction(
        response=original, reason="Typo in question 1", by=worker
    )
    correction = services.complete_response(response=correction, by=worker)
    assert fhir.is_replaced(original)
    old = QuestionnaireResponse.model_validate(fhir.response_resource(original, replaced=True))
    new = QuestionnaireResponse.model_validate(fhir.response_resource(correction))
    assert (old.status, new.status) == ("entered-in-error", "amended")
    assert new.extension[0].valueReference.reference.endswith(f"outcome-response-{original.pk}")
    assert [o["status"] for o in fhir.observations(original)] == ["entered-in-error"]


def test_a_response_in_progress_has_no_observations(episode, worker):
    response = started(episode, "gad7", by=worker)
    response = services.save_answers(response=response, answers={"1": "2"}, by=worker)
    resource = QuestionnaireResponse.model_validate(fhir.response_resource(response))
    assert resource.status == "in-progress" and len(resource.item) == 1
    assert fhir.observations(response) == []
