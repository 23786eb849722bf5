"""The browser test's fixtures: Debian's Chromium, and a real Prefect server with `aimsflow serve`.

The stack (tests/browser/stack.py) starts once per module: about 10-15 s for the server and the
served deployments on a 2-core machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.stack import CHROMIUM, Stack, running_stack


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium; without it the browser test is skipped, loudly (.ci/run installs it)."""
    if not CHROMIUM.exists():
        if os.environ.get("AIMSFLOW_TEST_REQUIRE_BROWSER") == "1":  # .ci/run: it must run there
            pytest.fail(f"no Chromium at {CHROMIUM}, and AIMSFLOW_TEST_REQUIRE_BROWSER=1 says the browser test must "
                        "run (.ci/run installs Debian's chromium package)", pytrace=False)
        pytest.skip(f"BROWSER TEST NOT RUN: no Chromium at {CHROMIUM}. Install Debian's chromium package "
                    "(apt-get install chromium; .ci/run does) or point AIMSFLOW_TEST_CHROMIUM at a Chromium binary.")
    return CHROMIUM


@pytest.fixture(scope="module")
def stack(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """`prefect server start` and `aimsflow serve` on loopback, on files of their own; stopped afterwards."""
    with running_stack(tmp_path_factory.mktemp("browser-stack")) as running:
        yield running
