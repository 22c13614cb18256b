"""The browser tests' accessibility check fails on any axe violation, whatever its impact, and
says which rule, where, and on which page."""

import pytest
from playwright.sync_api import Page

from tests.browser.accessibility import assert_accessible

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html lang="en"><head><title>Check</title></head><body>
<main><h1>Check</h1>{}</main></body></html>"""


def test_a_page_with_no_violation_passes(page: Page):
    page.set_content(PAGE.format("<p>Nothing wrong here.</p>"))
    assert_accessible(page)


def test_a_moderate_violation_fails_with_its_rule_target_and_page(page: Page):
    page.set_content(PAGE.format('<h4 id="skipped">Skipped two levels</h4>'))
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    message = str(failure.value)
    assert "heading-order (moderate)" in message
    assert "#skipped" in message
    assert "'Check'" in message


def test_a_minor_violation_fails_too(page: Page):
    page.set_content(
        PAGE.format(
            '<table id="empty-head"><tr><th></th><th>Score</th></tr><tr><td>A</td><td>1</td></tr>'
            "</table>"
        )
    )
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    assert "(minor)" in str(failure.value)


def test_axes_experimental_rules_run_too(page: Page):
    """A button whose name does not begin with its visible words (label-content-name-mismatch,
    one of axe's experimental rules) fails."""
    page.set_content(
        PAGE.format(
            '<button id="mark" aria-label="Mark Drop-in as reviewed">Mark as reviewed</button>'
        )
    )
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    assert "label-content-name-mismatch" in str(failure.value)
