"""Resumable chunk store for long sweeps.

While a sweep runs, each evaluated batch is written atomically to
``<output>.partial/chunk_<start>.npz`` beside a ``meta.json`` holding the sweep's
fingerprint. Re-running the same sweep loads the finished chunks and computes
only the rest; a different sweep at the same output refuses to mix results.
"""
from __future__ import annotations

import json
import os
import shutil

import numpy as np

from dse.files import atomic_path, atomic_write_bytes


class StoreMismatch(RuntimeError):
    """The partial results on disk belong to a different sweep."""


class ChunkStore:
    def __init__(self, output: str, fingerprint: str, n_points: int, chunk: int):
        self.dir = output + ".partial"
        self.meta = {"fingerprint": fingerprint, "n_points": n_points, "chunk": chunk}

    def open(self) -> dict[int, dict[str, np.ndarray]]:
        """Create the folder or load the chunks already computed (start index -> arrays)."""
        meta_path = os.path.join(self.dir, "meta.json")
        if os.path.isdir(self.dir) and os.path.exists(meta_path):
            with open(meta_path) as f:
                meta = json.load(f)
            if meta != self.meta:
                raise StoreMismatch(f"{self.dir} holds partial results of a different sweep "
                                    f"(fingerprint {meta.get('fingerprint')}); remove it or use --force")
            done = {}
            for name in os.listdir(self.dir):
                if name.startswith("chunk_") and name.endswith(".npz"):
                    with np.load(os.path.join(self.dir, name)) as z:
                        done[int(name[6:-4])] = {k: z[k] for k in z.files}
            return done
        os.makedirs(self.dir, exist_ok=True)
        atomic_write_bytes(meta_path, json.dumps(self.meta).encode())
        return {}

    def save(self, start: int, arrays: dict[str, np.ndarray]) -> None:
        with atomic_path(os.path.join(self.dir, f"chunk_{start:09d}.npz")) as tmp, open(tmp, "wb") as f:
            np.savez(f, **arrays)

    def clear(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
