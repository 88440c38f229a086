import os

import pytest

import dse  # noqa: F401  (enables float64)

from cli_helpers import CONFORMANCE  # noqa: E402  (tests/ is on sys.path)


@pytest.fixture
def conformance_dir():
    if not os.path.isdir(CONFORMANCE):
        pytest.skip(f"conformance figures not found at {CONFORMANCE}")
    return CONFORMANCE


@pytest.fixture(autouse=True, scope="module")
def _release_executables():
    """Drop JAX's compiled-function caches after each test module.

    Module tests run circuits eagerly, and every eager call at a new shape compiles small programs
    whose code XLA:CPU maps into memory (about 800 mappings per subarray evaluation). Kept for the
    whole session they passed Linux's 65,530 mappings per process two thirds of the way through
    the suite, and the next compilation crashed (SIGSEGV). The engine's stage executables
    (``dse.compile``) are held separately and survive.
    """
    yield
    import gc

    import jax

    jax.clear_caches()
    gc.collect()
