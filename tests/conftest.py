"""Suite-wide settings and the fixtures that start real servers on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# litellm would fetch its model cost map from the internet at import without this.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

from tests.support import redis_server


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--update-golden` rewrites the golden hook responses (review the diff like code)."""
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


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a real single-node Redis shared by the session; tests use unique keys."""
    with redis_server.redis_node() as port:
        yield f"redis://127.0.0.1:{port}/0"


@pytest.fixture(scope="session")
def redis_cluster_url() -> Iterator[str]:
    """URL of a real three-node Redis Cluster (scheme redis+cluster://, one seed node)."""
    with redis_server.redis_cluster(3) as ports:
        yield f"redis+cluster://127.0.0.1:{ports[0]}"
