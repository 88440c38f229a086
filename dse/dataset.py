"""Result datasets on disk: CF conventions, atomic netCDF writes, and reads with clear errors.

Every dataset `dse` writes (``dse run``, ``dse optimize``) follows the CF conventions where they
apply to a design space: ``Conventions``, a ``long_name`` and ``units`` on every metric, units on
the design knobs used as coordinates (from :data:`dse.design.KNOBS`; ``1`` where dimensionless), and
the ``status`` bit mask as a CF flag variable (``flag_masks``/``flag_meanings``, from
:mod:`dse.status`). Throughput units are the reference's (``TOPS``, ``TOPS/W``, ``TOPS/mm^2``).
"""
from __future__ import annotations

import contextlib
import os
import sys

import numpy as np
import xarray as xr

from dse.files import atomic_path

__all__ = ["CONVENTIONS", "ResultFileError", "cf_attributes", "write_dataset", "read_dataset", "without_dask_probe"]

CONVENTIONS = "CF-1.10"


class ResultFileError(ValueError):
    """A result file that is missing or is not a netCDF dataset; the message names the file."""


def cf_attributes(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with CF attributes added (in place, also returned): knob coordinate units and long
    names, the status flags and ``Conventions``."""
    from dse import design, status

    for k, knob in design.KNOBS.items():
        if k in ds.coords and ds[k].dtype.kind in "iuf":
            ds[k].attrs.update(units=knob.unit or "1", long_name=knob.doc)
        elif k in ds.coords:
            ds[k].attrs.update(long_name=knob.doc)
    if "status" in ds:
        codes = sorted(status.MESSAGES)
        ds["status"].attrs.update(
            long_name="infeasibility bit mask (0 = feasible; dse.status)",
            flag_masks=np.array(codes, ds["status"].dtype),
            flag_meanings=" ".join(status.NAMES[c] for c in codes))
    ds.attrs["Conventions"] = CONVENTIONS
    return ds


@contextlib.contextmanager
def without_dask_probe():
    """While it lasts, xarray takes dask as absent if it is not imported. xarray imports dask (1.5-5 s
    on 2 cores) to check whether each new variable is a dask array or collection and, when writing
    netCDF, which dask scheduler is active; while dask is not imported there is no dask array,
    collection or scheduler, so the answers are the same without the import. ``dse`` builds its
    datasets from numpy arrays only. Afterwards xarray probes again."""
    if "dask" in sys.modules:
        yield
        return
    try:
        from packaging.version import Version
        from xarray.backends import locks, writers
        from xarray.namedarray import pycompat
        from xarray.namedarray import utils as nutils

        cache = pycompat._cached_duck_array_modules
        absent = object.__new__(pycompat.DuckArrayModule)
        absent.module, absent.version, absent.type, absent.available = None, Version("0.0.0"), (), False
        patches = [(nutils, "is_dask_collection", _never), (locks, "get_dask_scheduler", _no_scheduler),
                   (writers, "get_dask_scheduler", _no_scheduler)]
        saved = [(m, a, getattr(m, a)) for m, a, _ in patches]
    except (ImportError, AttributeError):       # another xarray: let it probe
        yield
        return
    added = cache.setdefault("dask", absent) is absent
    for m, a, f in patches:
        setattr(m, a, f)
    try:
        yield
    finally:
        for m, a, f in saved:
            setattr(m, a, f)
        if added and cache.get("dask") is absent:
            del cache["dask"]


def _never(x) -> bool:
    return False


def _no_scheduler(get=None, collection=None) -> None:
    return None


def write_dataset(ds: xr.Dataset, path: str) -> None:
    """Write netCDF atomically (a temporary file in the same folder, then rename); object (string)
    variables are written as strings."""
    with without_dask_probe():
        ds = ds.copy()
        for name in list(ds.variables):
            if ds[name].dtype == object:
                ds[name] = ds[name].astype(str)
        with atomic_path(path, suffix=".nc.partial") as tmp:
            ds.to_netcdf(tmp, engine="netcdf4")


def read_dataset(path: str, need: tuple[str, ...] = ()) -> xr.Dataset:
    """A result file loaded into memory; :class:`ResultFileError` if it is missing, not netCDF, or
    lacks one of the variables ``need``."""
    if not os.path.isfile(path):
        raise ResultFileError(f"{path}: no such result file")
    try:
        with xr.open_dataset(path, engine="netcdf4") as ds:
            ds = ds.load()
    except (OSError, ValueError, RuntimeError, KeyError) as e:
        raise ResultFileError(f"{path}: cannot be read as a netCDF result of dse run or dse optimize "
                              f"({type(e).__name__}: {e})") from None
    missing = [v for v in need if v not in ds.variables]
    if missing:
        raise ResultFileError(f"{path}: not a result of dse run (no variable {', '.join(map(repr, missing))}; "
                              f"it has {', '.join(map(str, ds.data_vars)) or 'no variables'})")
    return ds
