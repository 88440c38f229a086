"""Network descriptions: NeuroSim network files (``NetWork.csv``).

A network file has one line per layer and 8 comma-separated columns:
input height, input width, input channels, kernel height, kernel width,
output channels, followed-by-pooling (0/1), stride. Fully connected layers
are 1x1 inputs with 1x1 kernels.
"""
from __future__ import annotations

import dataclasses
import math
import os
from typing import Sequence

from dse.files import read_text

COLUMNS = ("in_h", "in_w", "in_c", "k_h", "k_w", "out_c", "pool", "stride")


@dataclasses.dataclass(frozen=True)
class Layer:
    """One layer of a network, as the reference's network file describes it (static ints)."""

    in_h: int
    in_w: int
    in_c: int
    k_h: int
    k_w: int
    out_c: int
    pool: int
    stride: int

    @property
    def rows(self) -> int:
        """Rows of the unrolled weight matrix (kernel height x width x input channels)."""
        return self.k_h * self.k_w * self.in_c

    @property
    def macs(self) -> int:
        """Multiply-accumulates as the reference counts them (per image)."""
        return self.in_h * self.in_w * self.in_c * self.k_h * self.k_w * self.out_c

    def as_tuple(self) -> tuple[int, ...]:
        return tuple(getattr(self, c) for c in COLUMNS)


@dataclasses.dataclass(frozen=True)
class Network:
    """A network: a name and its layers. Hashable, so it can be a static jit argument."""

    name: str
    layers: tuple[Layer, ...]

    def __len__(self) -> int:
        return len(self.layers)

    @property
    def num_computation(self) -> float:
        """Operations per image (2 per MAC), as the reference's TOPS figures count them."""
        return float(sum(2 * layer.macs for layer in self.layers))


class NetworkFileError(ValueError):
    """A malformed network file; the message names the file, the line and what is wrong."""


def parse_network(text: str, name: str = "<string>") -> Network:
    """Parse the text of a network file; ``name`` is used in error messages."""
    layers = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        cells = [c.strip() for c in line.split(",")]
        if cells and cells[-1] == "":
            cells = cells[:-1]
        if len(cells) != len(COLUMNS):
            raise NetworkFileError(
                f"{name}, line {lineno}: expected {len(COLUMNS)} comma-separated columns "
                f"({', '.join(COLUMNS)}), found {len(cells)}: {raw.strip()!r}")
        vals = []
        for col, c in zip(COLUMNS, cells):
            try:
                v = float(c)
            except ValueError:
                raise NetworkFileError(f"{name}, line {lineno}: column '{col}' must be a number, got {c!r}") from None
            if not math.isfinite(v) or v != int(v):
                raise NetworkFileError(f"{name}, line {lineno}: column '{col}' must be an integer, got {c!r}")
            v = int(v)
            if col == "pool":
                if v not in (0, 1):
                    raise NetworkFileError(f"{name}, line {lineno}: column 'pool' must be 0 or 1, got {c!r}")
            elif v < 1:
                raise NetworkFileError(f"{name}, line {lineno}: column '{col}' must be >= 1, got {c!r}")
            vals.append(v)
        layer = Layer(*vals)
        if layer.k_h > layer.in_h or layer.k_w > layer.in_w:
            raise NetworkFileError(f"{name}, line {lineno}: kernel {layer.k_h}x{layer.k_w} is larger than "
                                   f"the input {layer.in_h}x{layer.in_w}")
        layers.append(layer)
    if not layers:
        raise NetworkFileError(f"{name}: no layers found (expected one line per layer with columns "
                               f"{', '.join(COLUMNS)})")
    return Network(name=os.path.splitext(os.path.basename(name))[0], layers=tuple(layers))


MODELS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models")


def load_network(path_or_name: str | os.PathLike | Network) -> Network:
    """Load a network file, or a network shipped in ``models/`` by name (``vgg8``, ``resnet18``)."""
    if isinstance(path_or_name, Network):
        return path_or_name
    path = os.fspath(path_or_name)
    if not os.path.exists(path):
        for cand in (os.path.join(MODELS_DIR, path), os.path.join(MODELS_DIR, path + ".csv"),
                     os.path.join(MODELS_DIR, path.lower() + ".csv")):
            if os.path.exists(cand):
                path = cand
                break
        else:
            shipped = sorted(f[:-4] for f in os.listdir(MODELS_DIR) if f.endswith(".csv")) if os.path.isdir(MODELS_DIR) else []
            raise NetworkFileError(f"{path}: no such network file (shipped networks: {', '.join(shipped)})")
    text = read_text(path, NetworkFileError, "the network file")
    return parse_network(text, name=path)


def network_text(net: Network) -> str:
    """The network file's text: one comma-separated line of the 8 columns per layer."""
    return "".join(",".join(str(v) for v in layer.as_tuple()) + "\n" for layer in net.layers)


def layers_tuple(net: Network) -> tuple[tuple[int, ...], ...]:
    """The layers as a tuple of 8-int tuples, for static use."""
    return tuple(layer.as_tuple() for layer in net.layers)


def from_layers(layers: Sequence[Sequence[int]], name: str = "network") -> Network:
    """A network from rows of the 8 columns."""
    return Network(name=name, layers=tuple(Layer(*map(int, row)) for row in layers))
