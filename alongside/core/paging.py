"""Paging for the staff lists that grow with the place: one page size, Django's Paginator, and
what the NHS.UK pagination component and the page around it show.

A list pages the rows it is given in the order it is given them, so the caller orders them
stably (a unique key last). The page number travels in the query string beside the list's
filters, which every page link keeps. A page number that is not a number, or past the end,
is answered with the first or last page and a sentence saying so, never an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

#: Rows on a page of any staff list.
PAGE_SIZE = 25
#: Numbered links shown either side of the current page (the first and last always show).
AROUND = 1


@dataclass(frozen=True)
class Paged:
    """One page of a list: its rows, the "Showing 1–25 of 312 people" line, the pagination
    component's parameters (None when everything fits on one page), and a notice when the page
    asked for was not one the list has."""

    page: Page
    showing: str
    pagination: dict[str, Any] | None
    notice: str = ""

    @property
    def count(self) -> int:
        return self.page.paginator.count


def _number(value: int) -> str:
    return f"{value:,}"


def _href(request: HttpRequest, param: str, number: int, anchor: str) -> str:
    query = request.GET.copy()
    if number == 1:
        query.pop(param, None)
    else:
        query[param] = str(number)
    encoded = query.urlencode()
    return f"{request.path}?{encoded}{anchor}" if encoded else f"{request.path}{anchor}"


def page_numbers(current: int, last: int, *, around: int = AROUND) -> list[int | None]:
    """The page numbers to link, with None where a run of them is left out: 1 … 4 5 6 … 13."""
    wanted = {1, last, *range(current - around, current + around + 1)}
    shown = sorted(n for n in wanted if 1 <= n <= last)
    out: list[int | None] = []
    for n in shown:
        if out and n - out[-1] == 2:  # a gap of one page: show the page, not an ellipsis
            out.append(n - 1)
        elif out and n - out[-1] > 2:
            out.append(None)
        out.append(n)
    return out


def paginate(
    request: HttpRequest,
    rows: QuerySet[Any] | Sequence[Any],
    *,
    one: str,
    many: str,
    size: int = PAGE_SIZE,
    param: str = "page",
    anchor: str = "",
    label: str = "Pagination",
) -> Paged:
    """The page of ``rows`` the request asks for (``?page=2``; ``param`` when a page has two
    lists), ``one`` and ``many`` naming what is counted ("person", "people")."""
    paginator = Paginator(rows, size)
    asked = request.GET.get(param, "")
    notice = ""
    if asked:
        try:
            number = int(asked)
        except ValueError:
            number = 1
            notice = f"‘{asked[:20]}’ is not a page number, so this is the first page."
        else:
            if number < 1:
                number = 1
                notice = "Pages start at 1, so this is the first page."
            elif number > paginator.num_pages:
                last = paginator.num_pages
                notice = (
                    f"There is no page {_number(number)}: the list has "
                    f"{'only 1 page' if last == 1 else f'{_number(last)} pages'}, "
                    "so this is the last."
                )
                number = last
    else:
        number = 1
    page = paginator.page(number)
    total = paginator.count
    noun = one if total == 1 else many
    if total == 0:
        showing = f"No {many}"
    elif paginator.num_pages == 1:
        showing = f"Showing all {_number(total)} {noun}" if total > 1 else f"Showing 1 {noun}"
    else:
        showing = (
            f"Showing {_number(page.start_index())}–{_number(page.end_index())} "
            f"of {_number(total)} {noun}"
        )
    pagination = None
    if paginator.num_pages > 1:
        items: list[dict[str, Any]] = []
        for n in page_numbers(number, paginator.num_pages):
            if n is None:
                items.append({"ellipsis": True})
            else:
                items.append(
                    {
                        "number": n,
                        "href": _href(request, param, n, anchor),
                        "current": n == number,
                        "ariaLabel": f"Page {n} of {paginator.num_pages}",
                    }
                )
        pagination = {
            "items": items,
            "ariaLabel": label,
            "previous": {"href": _href(request, param, number - 1, anchor)}
            if page.has_previous()
            else {},
            "next": {"href": _href(request, param, number + 1, anchor)} if page.has_next() else {},
        }
    return Paged(page=page, showing=showing, pagination=pagination, notice=notice)
