import os

import pytest

import dse  # noqa: F401  (enables float64)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(REPO), "shared")
CONFORMANCE = os.path.join(SHARED, "conformance")


@pytest.fixture
def conformance_dir():
    if not os.path.isdir(CONFORMANCE):
        pytest.skip(f"conformance figures not found at {CONFORMANCE}")
    return CONFORMANCE
