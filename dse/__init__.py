"""dse: design-space exploration for compute-in-memory DNN accelerators.

The hardware model re-creates DNN+NeuroSim V1.4 as pure JAX functions over
batched design points. Float64 is enabled on import: the hardware model needs it.
"""
import jax

jax.config.update("jax_enable_x64", True)

__version__ = "0.1.0"

from dse.evaluate import evaluate  # noqa: E402

__all__ = ["evaluate", "__version__"]
