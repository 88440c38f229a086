"""Result datasets on disk: CF conventions, atomic netCDF writes, and reads with clear errors.

Every dataset `dse` writes (``dse run``, ``dse optimize``) follows the CF conventions where they
apply to a design space: ``Conventions``, a ``long_name`` and ``units`` on every metric, units on
the design knobs used as coordinates (from :data:`dse.design.KNOBS`; ``1`` where dimensionless), and
the ``status`` bit mask as a CF flag variable (``flag_masks``/``flag_meanings``, from
:mod:`dse.status`). Throughput units are the reference's (``TOPS``, ``TOPS/W``, ``TOPS/mm^2``).
"""
from __future__ import annotations

import os

import numpy as np
import xarray as xr

from dse.files import atomic_path

__all__ = ["CONVENTIONS", "ResultFileError", "cf_attributes", "write_dataset", "read_dataset"]

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


def write_dataset(ds: xr.Dataset, path: str) -> None:
    """Write netCDF atomically (a temporary file in the same folder, then rename); object (string)
    variables are written as strings."""
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
