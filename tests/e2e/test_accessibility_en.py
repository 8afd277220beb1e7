"""The axe run of test_accessibility.py in English. A module of its own because
pytest-xdist keeps a file's tests on one worker: the two languages run at once."""

import pytest

from tests.e2e import pages as site
from tests.e2e.conftest import CHROMIUM
from tests.e2e.test_accessibility import (  # noqa: F401 - the fixtures, used by name
    browser,
    check_every_page,
    demo_site,
    report,
)

pytestmark = [pytest.mark.heavy, pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)")]


@pytest.mark.parametrize("role", list(site.ROLES))
def test_every_page_has_no_wcag_a_or_aa_violation_in_english(
        demo_site, browser, report, role):  # noqa: F811 - the imported fixtures
    check_every_page(demo_site, browser, report, role, "en")
