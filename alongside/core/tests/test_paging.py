"""The one paging helper: the page asked for, the line that says what is shown, links that keep
the list's filters, and plain answers to page numbers the list does not have."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from alongside.core.paging import PAGE_SIZE, page_numbers, paginate

ROWS = list(range(1, 313))  # 312 rows: 13 pages of 25


def get(query: dict[str, str] | None = None):
    return RequestFactory().get("/things/", query or {})


def test_the_first_page_says_what_it_shows_of_how_many():
    paged = paginate(get(), ROWS, one="person", many="people")
    assert list(paged.page.object_list) == ROWS[:PAGE_SIZE]
    assert paged.showing == "Showing 1–25 of 312 people"
    assert paged.notice == ""


def test_a_later_page_keeps_the_filters_in_its_links():
    paged = paginate(get({"team": "4", "page": "3"}), ROWS, one="person", many="people")
    assert paged.page.number == 3
    assert paged.showing == "Showing 51–75 of 312 people"
    links = paged.pagination
    assert links["previous"]["href"] == "/things/?team=4&page=2"
    assert links["next"]["href"] == "/things/?team=4&page=4"
    current = [i for i in links["items"] if i.get("current")]
    assert [i["number"] for i in current] == [3]
    # Page 1's link carries no page number, only the filters.
    assert links["items"][0]["href"] == "/things/?team=4"


def test_far_pages_are_left_out_with_an_ellipsis():
    assert page_numbers(7, 13) == [1, None, 6, 7, 8, None, 13]
    assert page_numbers(1, 13) == [1, 2, None, 13]
    assert page_numbers(3, 13) == [1, 2, 3, 4, None, 13]  # no ellipsis for one page left out
    assert page_numbers(1, 1) == [1]


def test_a_page_past_the_end_shows_the_last_and_says_so():
    paged = paginate(get({"page": "99"}), ROWS, one="person", many="people")
    assert paged.page.number == 13
    assert paged.showing == "Showing 301–312 of 312 people"
    assert paged.notice == "There is no page 99: the list has 13 pages, so this is the last."

    huge = paginate(get({"page": "9" * 40}), ROWS, one="person", many="people")
    assert huge.page.number == 13


@pytest.mark.parametrize(
    ("asked", "notice"),
    [
        ("two", "‘two’ is not a page number, so this is the first page."),
        ("1.5", "‘1.5’ is not a page number, so this is the first page."),
        ("0", "Pages start at 1, so this is the first page."),
        ("-3", "Pages start at 1, so this is the first page."),
    ],
)
def test_a_page_that_is_not_a_page_number_shows_the_first_and_says_so(asked, notice):
    paged = paginate(get({"page": asked}), ROWS, one="person", many="people")
    assert paged.page.number == 1
    assert paged.notice == notice


def test_a_short_list_has_no_page_links_and_counts_in_the_singular():
    assert paginate(get(), [1], one="person", many="people").showing == "Showing 1 person"
    paged = paginate(get(), [1, 2], one="person", many="people")
    assert paged.showing == "Showing all 2 people"
    assert paged.pagination is None
    empty = paginate(get({"page": "4"}), [], one="person", many="people")
    assert empty.showing == "No people"
    assert empty.page.number == 1


def test_a_second_list_on_the_page_has_its_own_page_number():
    request = get({"page": "2", "waiting_page": "3"})
    first = paginate(request, ROWS, one="person", many="people")
    second = paginate(request, ROWS, one="person", many="people", param="waiting_page")
    assert (first.page.number, second.page.number) == (2, 3)
    assert second.pagination["next"]["href"] == "/things/?page=2&waiting_page=4"
