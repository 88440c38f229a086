"""dse: design-space exploration for compute-in-memory DNN accelerators.

The hardware model re-creates DNN+NeuroSim V1.4 as pure JAX functions over
batched design points. Float64 is enabled on import: the hardware model needs it.

The reference takes many discrete decisions on floating-point quotients (transistor
folds, fin counts, ``ceil`` of ratios) that sit exactly on integer boundaries. XLA on
CPU would otherwise contract multiply-adds into FMA instructions and rewrite divisions
as multiplications by reciprocals, moving such quotients by one ulp and flipping those
decisions; the flags below keep CPU arithmetic as the reference's (IEEE, no FMA). They
must be set before JAX starts its CPU backend, so import ``dse`` before computing with JAX.
"""
import os as _os

_EXACT_FLAGS = ("--xla_cpu_max_isa=AVX", "--xla_disable_hlo_passes=algsimp")
_flags = _os.environ.get("XLA_FLAGS", "")
_os.environ["XLA_FLAGS"] = " ".join([_flags] + [f for f in _EXACT_FLAGS if f.split("=")[0] not in _flags]).strip()

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

from dse.cache import enable_compilation_cache  # noqa: E402

enable_compilation_cache()

__version__ = "0.1.0"

from dse.engine import evaluate  # noqa: E402

__all__ = ["evaluate", "__version__"]
