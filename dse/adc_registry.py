"""The ADC registry: the ADC types' names (the ``adc`` knob's choices), in code order, and their models.

It sits below the knob schema (:mod:`dse.design` reads :data:`NAMES`) and imports no circuit: the
built-in models (:data:`BUILTIN`: a knob value and the module defining its ``ADC``, a
:class:`dse.circuits.adc.ADCModel`) are imported by name on first use. The interface every ADC
implements, and the selection by code, are in :mod:`dse.circuits.adc`.
"""
from __future__ import annotations

import collections.abc
import contextlib
import importlib
from typing import Any

__all__ = ["BUILTIN", "NAMES", "models", "names", "register", "registered", "unregister"]

#: The built-in ADC types, in code order: (the ``adc`` knob's value, the module defining ``ADC``).
BUILTIN: tuple[tuple[str, str], ...] = (
    ("mlsa", "dse.circuits.flash_adc"),     # flash ADC: multilevel sense amplifiers + encoder
    ("sar", "dse.circuits.sar_adc"),        # successive approximation
)

_LOADED: list[Any] = []
_EXTRA: list[Any] = []


def _builtin() -> list[Any]:
    if not _LOADED:
        for name, module in BUILTIN:
            model = importlib.import_module(module).ADC
            if model.name != name:
                raise ValueError(f"{module}.ADC is named {model.name!r}, registered as {name!r}")
            _LOADED.append(model)
    return _LOADED


def models() -> tuple[Any, ...]:
    """The registered ADC types, in code order."""
    return tuple(_builtin()) + tuple(_EXTRA)


def names() -> tuple[str, ...]:
    """The registered ADC types' names (the ``adc`` knob's choices), in code order."""
    return tuple(n for n, _ in BUILTIN) + tuple(m.name for m in _EXTRA)


class _Names(collections.abc.Sequence):
    """A live view of :func:`names` (the ``adc`` knob's choices follow the registry)."""

    def __getitem__(self, i):
        return names()[i]

    def __len__(self):
        return len(names())

    def __repr__(self):
        return repr(names())


#: the ``adc`` knob's choices: the registered names, as the registry stands
NAMES: collections.abc.Sequence = _Names()


def register(model: Any) -> int:
    """Add an ADC type at run time (after the built-in ones); returns its code."""
    if model.name in names():
        raise ValueError(f"an ADC named {model.name!r} is registered already")
    _EXTRA.append(model)
    return len(names()) - 1


def unregister(name: str) -> None:
    """Remove an ADC type added with :func:`register` (built-in types stay)."""
    for i, m in enumerate(_EXTRA):
        if m.name == name:
            del _EXTRA[i]
            return
    raise ValueError(f"no ADC named {name!r} was registered at run time")


@contextlib.contextmanager
def registered(model: Any):
    """``with registered(model):`` the ADC type is available, and removed afterwards."""
    code = register(model)
    try:
        yield code
    finally:
        unregister(model.name)
