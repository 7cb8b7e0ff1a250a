"""For tests, benchmarks and scripts/, never for the library: nothing else in `summarizer`
imports this package. It owns the one fake OpenAI-compatible server on 127.0.0.1 (server.py,
with its fault plans, scripts of replies, Batch API and small web site), the paths and
recorded answers of the example articles, and the pytest fixtures the tests share
(fixtures.py, loaded as a plugin by tests/conftest.py). It may import anything in
`summarizer`, aiohttp, and (in fixtures.py alone) pytest.
"""

from .batches import LinePlan
from .examples import (
    ARTICLES,
    CASSETTES,
    EXAMPLE_CASSETTES,
    ROOT,
    SHARED,
    example_article,
    example_stems,
    fully_grounded_example,
    recorded_completion,
)
from .faults import FAULTS, PAUSE_FAULT, FaultPlan, random_faults
from .replies import Reply, Script, completion_with_content, error_body
from .server import FakeServer, serve

__all__ = [
    "ARTICLES",
    "CASSETTES",
    "EXAMPLE_CASSETTES",
    "FAULTS",
    "PAUSE_FAULT",
    "ROOT",
    "SHARED",
    "FakeServer",
    "FaultPlan",
    "LinePlan",
    "Reply",
    "Script",
    "completion_with_content",
    "error_body",
    "example_article",
    "example_stems",
    "fully_grounded_example",
    "random_faults",
    "recorded_completion",
    "serve",
]
