"""What the directory's tests read: the project's own feeds, always here, and the official Open
Referral UK schemas and examples, when a copy is (``schema.AVAILABLE``). A conformance test marked
``needs_standards`` is reported as skipped, with where it looked, when there is no copy."""

from pathlib import Path

import pytest

from alongside.directory.interchange import schema

needs_standards = pytest.mark.skipif(not schema.AVAILABLE, reason=schema.MISSING)

FEEDS = Path(__file__).parent / "feeds"
#: The project's own CSV feed of the made-up county, with the faults real feeds have.
WYVERN_CSV = FEEDS / "wyvern_csv"
