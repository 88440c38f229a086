"""Resumable chunk store for long sweeps, shared safely by several processes.

While a sweep runs, each evaluated chunk is written atomically to
``<output>.partial/chunk_<start>.npz`` beside a ``meta.json`` holding the sweep's
fingerprint. Re-running the same sweep loads the finished chunks and computes
only the rest; a different sweep at the same output refuses to mix results.

Several processes may work on one sweep (two ``dse run`` on a shared folder, or a Dask client and
a plain run): a process claims a chunk before computing it by creating ``claim_<start>.json``
exclusively (``O_EXCL``), and each process announces itself in ``member_<id>.json``. A
heartbeat thread refreshes the modification times of both; a claim or member whose process is
gone (same host) or whose heartbeat is older than :data:`STALE_S` is stale, and its chunk is
taken over. The last member to finish removes the folder.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import threading
import time
import uuid

import numpy as np

from dse.files import atomic_path, atomic_write_bytes

#: seconds between heartbeats, and without one before a claim or member is stale
HEARTBEAT_S = 5.0
STALE_S = 60.0


class StoreMismatch(RuntimeError):
    """The partial results on disk belong to a different sweep."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ChunkStore:
    def __init__(self, output: str, fingerprint: str, n_points: int, chunk: int):
        self.dir = output + ".partial"
        self.meta = {"fingerprint": fingerprint, "n_points": n_points, "chunk": chunk}
        self.host, self.pid = socket.gethostname(), os.getpid()
        self.id = f"{self.pid}-{uuid.uuid4().hex[:8]}"
        self._claims: set[int] = set()
        self._lock = threading.Lock()

    def _path(self, kind: str, start: int) -> str:
        return os.path.join(self.dir, f"{kind}_{start:09d}.{'npz' if kind == 'chunk' else 'json'}")

    def foreign(self) -> bool:
        """Whether the folder holds partial results of another sweep."""
        try:
            with open(os.path.join(self.dir, "meta.json")) as f:
                return json.load(f).get("fingerprint") != self.meta["fingerprint"]
        except (OSError, ValueError):
            return False

    def open(self) -> dict[int, dict[str, np.ndarray]]:
        """Create the folder or load the chunks already computed (start index -> arrays)."""
        meta_path = os.path.join(self.dir, "meta.json")
        if os.path.isdir(self.dir) and os.path.exists(meta_path):
            with open(meta_path) as f:
                meta = json.load(f)
            if meta != self.meta:
                raise StoreMismatch(f"{self.dir} holds partial results of a different sweep "
                                    f"(fingerprint {meta.get('fingerprint')}); remove it or use --force")
            return self.load_new({})
        os.makedirs(self.dir, exist_ok=True)
        atomic_write_bytes(meta_path, json.dumps(self.meta).encode())
        return {}

    def load_new(self, done) -> dict[int, dict[str, np.ndarray]]:
        """The chunks on disk that ``done`` does not hold yet (written by any process)."""
        new = {}
        for name in sorted(os.listdir(self.dir)) if os.path.isdir(self.dir) else []:
            if name.startswith("chunk_") and name.endswith(".npz") and int(name[6:-4]) not in done:
                with np.load(os.path.join(self.dir, name)) as z:
                    new[int(name[6:-4])] = {k: z[k] for k in z.files}
        return new

    def save(self, start: int, arrays: dict[str, np.ndarray]) -> None:
        """Write a finished chunk (atomically) and drop this process's claim on it."""
        with atomic_path(self._path("chunk", start)) as tmp, open(tmp, "wb") as f:
            np.savez(f, **arrays)
        self.release(start)

    # claims: one process per chunk ---------------------------------------------------------------

    def claim(self, start: int) -> bool:
        """Claim chunk ``start`` for this process: True when no live process holds it and it is not
        on disk yet (a stale claim is taken over)."""
        path = self._path("claim", start)
        if os.path.exists(self._path("chunk", start)):
            return False
        body = json.dumps({"host": self.host, "pid": self.pid, "id": self.id}).encode()
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            if not self._stale(path):
                return False
            atomic_write_bytes(path, body)       # take over: two takers at once only duplicate work
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(body)
        with self._lock:
            self._claims.add(start)
        if os.path.exists(self._path("chunk", start)):   # finished by its holder meanwhile
            self.release(start)
            return False
        return True

    def release(self, start: int) -> None:
        with self._lock:
            self._claims.discard(start)
        with contextlib.suppress(FileNotFoundError):
            os.remove(self._path("claim", start))

    def claimable(self, start: int) -> bool:
        """Whether chunk ``start`` is neither on disk nor held by a live process."""
        if os.path.exists(self._path("chunk", start)):
            return False
        path = self._path("claim", start)
        return not os.path.exists(path) or self._stale(path)

    def _stale(self, path: str) -> bool:
        try:
            with open(path) as f:
                holder = json.load(f)
            age = time.time() - os.path.getmtime(path)
        except (OSError, ValueError):
            return False        # being written or just removed: look again later
        if holder.get("id") == self.id:
            return False
        if holder.get("host") == self.host and not _pid_alive(int(holder.get("pid", -1))):
            return True
        return age > STALE_S

    # membership: heartbeat, and who removes the folder -----------------------------------------

    @contextlib.contextmanager
    def member(self):
        """This process as a member of the store while the block runs: its member file and claims are
        refreshed by a heartbeat thread. On leaving, its claims are dropped; call :meth:`finish` inside
        the block once the result is written."""
        me = os.path.join(self.dir, f"member_{self.id}.json")
        atomic_write_bytes(me, json.dumps({"host": self.host, "pid": self.pid, "id": self.id}).encode())
        stop = threading.Event()

        def beat():
            while not stop.wait(HEARTBEAT_S):
                with self._lock:
                    paths = [me] + [self._path("claim", s) for s in self._claims]
                for p in paths:
                    with contextlib.suppress(OSError):
                        os.utime(p)

        thread = threading.Thread(target=beat, name="dse-store-heartbeat", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join()
            for s in list(self._claims):
                self.release(s)
            with contextlib.suppress(FileNotFoundError):
                os.remove(me)

    def finish(self) -> None:
        """The result is written: leave the store, and remove it when no other live member is left
        (of two members finishing at once, at least one sees the other gone)."""
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(self.dir, f"member_{self.id}.json"))
        others = [n for n in os.listdir(self.dir) if n.startswith("member_")] if os.path.isdir(self.dir) else []
        if not any(not self._stale(os.path.join(self.dir, n)) for n in others):
            self.clear()

    def clear(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
