"""The one accessibility check every browser test runs: axe-core on the page as it stands, every
rule axe has (its experimental rules too, such as label-content-name-mismatch) at every impact
(minor, moderate, serious and critical), nothing let through. A failure names each rule, its
impact, the elements it found and the page."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

_AXE = Axe()


def violations(page: Page) -> list[str]:
    """Each axe violation on the page, one line a rule: its id, impact, what it asks and where."""
    page.evaluate(_AXE.axe_script)
    experimental = page.evaluate("axe.getRules(['experimental']).map(rule => rule.ruleId)")
    options = {
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": True} for rule in experimental},
    }
    found = _AXE.run(page, options=options).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']]}"
        for v in found
    ]


def assert_accessible(page: Page) -> None:
    """Fail with every violation axe finds on the page, and which page it was."""
    found = violations(page)
    if found:
        lines = "\n  ".join(found)
        raise AssertionError(
            f"axe found {len(found)} violation(s) on {page.url} ({page.title()!r}):\n  {lines}"
        )
