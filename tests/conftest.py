import os

import pytest

import dse  # noqa: F401  (enables float64)

from cli_helpers import CONFORMANCE  # noqa: E402  (tests/ is on sys.path)


@pytest.fixture
def conformance_dir():
    if not os.path.isdir(CONFORMANCE):
        pytest.skip(f"conformance figures not found at {CONFORMANCE}")
    return CONFORMANCE
