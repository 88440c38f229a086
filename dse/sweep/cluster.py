"""Sweeps on a Dask cluster: ``dse run SWEEP --cluster tcp://HOST:8786`` or ``--workers N``.

The ``dse run`` process is the client: it keeps the chunk store (:mod:`dse.sweep.store`), the
progress bar and the dataset; the workers compute. Chunks follow the evaluation order, which groups
points by structural key, and are split into one contiguous block per worker, so that each worker
reduces the traces of, builds the tables of and compiles for its own keys:

1. each worker reduces the traces of its block's keys (kept in its memory and in the trace cache)
   and returns the tables' sizes; the client takes their common padded sizes
   (:func:`dse.chip.layer_tables.bucket_shapes`, as one process would over all keys), so every
   worker runs the same compiled programs on the same batches as a single process, bit for bit;
2. each chunk is a task placed on its block's worker (another may take it over) that returns the
   chunk's arrays; the client writes them into the store as they arrive.

Workers return arrays rather than writing the store themselves: only the caches
(``DSE_CACHE_DIR``), the network file's contents and the trace folder need to be reachable from the
workers, not the output folder, and a chunk is on disk exactly when the client counts it. A killed
worker loses the chunk it was computing, which Dask runs again elsewhere; a killed client keeps the
finished chunks, and the same command computes the rest.
"""
from __future__ import annotations

import contextlib
import logging
import uuid
from typing import Iterator

import jax
import numpy as np

from dse.engine import Evaluation
from dse.plan import key_tables, layer_bucket

#: the hint printed when Dask is not installed
INSTALL = "install the cluster extra: pip install -e '.[cluster]'"
#: seconds to wait for a scheduler to answer, and for a first worker
CONNECT_S = 30


class ClusterError(RuntimeError):
    """Dask is not installed, or its scheduler cannot be reached."""


@contextlib.contextmanager
def connect(address: str | None = None, workers: int | None = None):
    """A :class:`Cluster` on the scheduler at ``address``, or on a local cluster of ``workers``
    worker processes (one thread each) closed on leaving."""
    try:
        import distributed
    except ImportError:
        raise ClusterError(f"{'--cluster' if address else '--workers'} needs Dask: {INSTALL}") from None
    local = None
    try:
        if address:
            client = distributed.Client(address, timeout=CONNECT_S)
        else:
            local = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                             dashboard_address=None, silence_logs=logging.ERROR)
            client = distributed.Client(local)
    except (OSError, TimeoutError, ValueError) as e:
        if local is not None:
            local.close()
        raise ClusterError(f"cannot reach the Dask scheduler at {address or 'the local cluster'}: {e}") from None
    try:
        yield Cluster(client)
    finally:
        client.close()
        if local is not None:
            local.close()


def table_shapes(net, traces, keys) -> list[dict]:
    """(on a worker) The sizes of the network's tables under ``keys``; reduces their traces."""
    return [t.shapes() for t in key_tables(net, traces, keys)]


def evaluate_chunk(net, traces, encoded, batch_size: int, performance: bool, sizes: dict | None):
    """(on a worker) The metrics of one chunk's encoded points, in their order, with the tables
    padded to the sweep's ``sizes``."""
    return Evaluation(net, encoded, traces, batch_size=batch_size, performance=performance, sizes=sizes).run()


class Cluster:
    """A connected Dask client that evaluates a sweep's chunks."""

    def __init__(self, client):
        self.client = client

    def workers(self) -> list[str]:
        """The workers' addresses (waits for a first one)."""
        try:
            self.client.wait_for_workers(1, timeout=CONNECT_S)
        except TimeoutError:
            raise ClusterError(f"no Dask worker joined the scheduler in {CONNECT_S} s") from None
        return sorted(self.client.scheduler_info()["workers"])

    def evaluate(self, sweep, encoded, keyed: Evaluation, starts) -> Iterator[tuple[int, dict]]:
        """Evaluate the chunks at ``starts`` (of the order of ``keyed``, a keys-only evaluation of the
        sweep's points ``encoded``); yields ``(start, arrays)`` as chunks finish."""
        from distributed import as_completed

        chunk, order = sweep.batch_size, keyed.order()
        workers = self.workers()
        blocks = range(0, len(order), chunk)
        owner = {s: workers[i * len(workers) // len(blocks)] for i, s in enumerate(blocks)}
        sizes = self._sizes(sweep, keyed, owner) if keyed.keys else None
        run = uuid.uuid4().hex[:8]
        futures = {}
        for s in starts:
            rows = order[s:s + chunk]
            part = jax.tree_util.tree_map(lambda a: np.asarray(a)[rows], encoded)
            fut = self.client.submit(evaluate_chunk, sweep.network, sweep.traces, part, chunk, keyed.performance,
                                     sizes, key=f"dse-chunk-{s}-{run}", workers=[owner[s]],
                                     allow_other_workers=True)
            futures[fut] = s
        for fut, out in as_completed(futures, with_results=True):
            yield futures[fut], out
            fut.release()

    def _sizes(self, sweep, keyed: Evaluation, owner: dict[int, str]) -> dict:
        """The tables' common padded sizes over every key of the sweep, each key's traces reduced on
        the worker that evaluates its first chunk."""
        from dse.chip.layer_tables import bucket_shapes

        order, chunk = keyed.order(), sweep.batch_size
        mine: dict[str, list[int]] = {}
        seen: set[int] = set()
        for s, w in owner.items():
            for u in np.unique(keyed.key_index[order[s:s + chunk]]):
                if u >= 0 and int(u) not in seen:
                    seen.add(int(u))
                    mine.setdefault(w, []).append(int(u))
        futs = [self.client.submit(table_shapes, sweep.network, sweep.traces, [keyed.keys[u] for u in us],
                                   workers=[w], allow_other_workers=True, pure=False) for w, us in mine.items()]
        return bucket_shapes([s for f in futs for s in f.result()], layer_bucket(keyed.num_layers))
