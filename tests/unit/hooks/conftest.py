"""Hook unit tests: the --update-golden option that rewrites the expected responses."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/fixtures/hooks/**/*.response.json from the hooks' current answers",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether this run rewrites the golden responses instead of comparing with them."""
    return bool(request.config.getoption("--update-golden"))
