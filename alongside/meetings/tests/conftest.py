import pytest

from alongside.meetings.tests.factories import Place, make_place


@pytest.fixture
def place(db) -> Place:
    return make_place()
