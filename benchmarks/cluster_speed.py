"""Benchmark: the main job (``sweeps/vgg8_grid.yaml``) on a local Dask cluster of 1, then 2 workers.

Each run starts from cold caches (a fresh ``DSE_CACHE_DIR`` shared by the client and its workers:
compiled executables and reduced traces) and a fresh output, and is timed from starting the cluster
to the dataset on disk. Dask's task stream says where the time goes: the workers' trace reduction
(the sizes step), each worker's first chunk (lowering and compiling the stages, then evaluating)
and the later chunks (evaluation only); the rest is the client's (the cluster's start, the
floorplans and keys of all points, writing chunks and the dataset).
Last line: ``cluster: N points in S s on W workers (1 worker: S1 s)``.
"""
import os
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(sweep_path: str, workers: int, folder: str) -> tuple[int, float]:
    os.environ["DSE_CACHE_DIR"] = os.path.join(folder, f"cache{workers}")   # inherited by the workers
    import distributed

    from dse.sweep.cluster import connect
    from dse.sweep.runner import run_sweep
    from dse.sweep.spec import load_sweep

    sweep = load_sweep(sweep_path, output=os.path.join(folder, f"result{workers}.nc"))
    t0 = time.perf_counter()
    with connect(workers=workers) as cluster:
        cluster.workers()
        t_up = time.perf_counter() - t0
        with distributed.get_task_stream(cluster.client) as ts:
            ds, _ = run_sweep(sweep, progress=False, cluster=cluster)
        wall = time.perf_counter() - t0
    n = int((ds["status"].values & (1 << 8) == 0).sum())
    compute: dict[str, list[tuple[float, float, str]]] = {}
    for task in ts.data:
        for ss in task["startstops"]:
            if ss["action"] == "compute":
                compute.setdefault(task["worker"], []).append((ss["start"], ss["stop"], task["key"]))
    print(f"{workers} worker(s): {n} points in {wall:.1f} s (cluster up {t_up:.1f} s)")
    for i, (w, spans) in enumerate(sorted(compute.items())):
        spans.sort()
        sizes = [b - a for a, b, k in spans if "table_shapes" in str(k)]
        chunks = [b - a for a, b, k in spans if "dse-chunk" in str(k)]
        busy = sum(b - a for a, b, _ in spans)
        print(f"  worker {i}: traces reduced in {sum(sizes):.1f} s; {len(chunks)} chunks: first {chunks[0]:.1f} s "
              f"(lowering, compiling, evaluating), the others {sum(chunks[1:]):.1f} s together; busy {busy:.1f} s "
              f"of {wall:.1f} s" if chunks else f"  worker {i}: no chunk")
    return n, wall


def main(sweep=os.path.join(REPO, "sweeps", "vgg8_grid.yaml")):
    with tempfile.TemporaryDirectory() as d:
        n1, s1 = run(sweep, 1, d)
        n2, s2 = run(sweep, 2, d)
    assert n1 == n2
    print(f"cluster: {n2} points in {s2:.1f} s on 2 workers (1 worker: {s1:.1f} s)")


if __name__ == "__main__":
    main(*sys.argv[1:])
