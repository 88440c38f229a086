"""dse: design-space exploration for compute-in-memory DNN accelerators.

The hardware model re-creates DNN+NeuroSim V1.4 as pure JAX functions over
batched design points. Float64 is enabled on import: the hardware model needs it.

Exact CPU arithmetic (:mod:`dse.exact`): the reference takes many discrete decisions on
floating-point quotients that sit exactly on integer boundaries, which XLA's fused
multiply-adds and algebraic rewrites would move by one ulp. The hardware model's own
compilations switch the rewrites off; fused multiply-adds can only be switched off for the
whole process, which importing ``dse`` does unless ``DSE_EXACT_CPU=0`` (see :mod:`dse.exact`).
"""
from dse import exact as _exact

_exact.cap_cpu_isa()

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

from dse.cache import enable_compilation_cache  # noqa: E402

enable_compilation_cache()

try:
    from importlib.metadata import version as _dist_version

    __version__ = _dist_version("dse")       # one version, pyproject.toml's
except Exception:  # noqa: BLE001  (running from a source tree that is not installed)
    __version__ = "0+unknown"

from dse.engine import evaluate  # noqa: E402


def sensitivity(network, points, metrics=None, wrt=None, traces=None, **kwargs):
    """Derivatives of chip metrics with respect to the continuous knobs at each point, as an
    ``xarray.Dataset`` (:func:`dse.analysis.sensitivity.sensitivity`, imported on first use)."""
    from dse.analysis.sensitivity import sensitivity as run

    return run(network, points, metrics=metrics, wrt=wrt, traces=traces, **kwargs)


__all__ = ["evaluate", "sensitivity", "__version__"]
