"""The progress of ``dse run`` on stderr: which phase the run is in, for how long, and the points.

The engine and the plan report phases through one callable, ``progress(phase, detail="")``
(:class:`dse.engine.Evaluation`, :meth:`dse.plan.Plan.tabulate`): a new ``phase`` ends the one
before, the same ``phase`` with a new ``detail`` says how far it is (``key 3 of 12``).
:class:`PhaseBar` is that callable for a terminal: the bar's label is the current phase, its detail
and its seconds so far, redrawn every second by a background thread (a phase that waits on a
compilation never looks frozen); each finished phase leaves one line with its time; the point
count, rate and ETA start with the ``evaluating`` phase (the set-up before it does not enter the
rate). Disabled (``--quiet``), it prints nothing.
"""
from __future__ import annotations

import sys
import threading
import time

from tqdm import tqdm

__all__ = ["PhaseBar", "PHASES"]

#: the phases a run goes through, in order (each may be skipped: a warm cache, a resumed run)
PHASES = ("encoding points", "floorplans", "structural keys", "traces", "column groups", "compiling", "evaluating",
          "accuracy", "dataset", "writing")


class PhaseBar:
    """A tqdm bar on ``file`` whose label is the current phase (see the module's docstring).

    ``total``: points to evaluate; ``initial``: points already computed (a resumed run);
    ``enabled``: False prints nothing; ``tick``: seconds between redraws."""

    def __init__(self, total: int, initial: int = 0, *, enabled: bool = True, file=sys.stderr,
                 tick: float = 1.0, prefix: str = "dse run"):
        self.enabled, self.file, self.prefix = enabled, file, prefix
        self.total, self.initial = total, initial
        self.name: str | None = None
        self.detail = ""
        self.started = time.perf_counter()
        self.evaluating = False
        self.lines: list[str] = []      # the finished phases' lines, as printed
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.bar = None
        if not enabled:
            return
        self.bar = tqdm(total=total, initial=initial, unit="pt", desc=prefix, file=file, dynamic_ncols=True,
                        smoothing=0.1, mininterval=0.5)
        self._thread = threading.Thread(target=self._redraw, args=(tick,), name="dse-progress", daemon=True)
        self._thread.start()

    def __call__(self, phase: str, detail: str = "") -> None:
        """Enter ``phase`` (ending the current one), or update the current phase's ``detail``."""
        if not self.enabled:
            return
        with self._lock:
            if phase != self.name:
                self._finish_phase()
                self.name, self.started = phase, time.perf_counter()
                if phase == "evaluating" and not self.evaluating:
                    self.evaluating = True      # rate and ETA from here on
                    self.bar.reset(total=self.total)
                    self.bar.initial = self.bar.n = self.bar.last_print_n = self.initial
            self.detail = detail
            self._label()

    def advance(self, n: int) -> None:
        """``n`` more points evaluated."""
        if self.enabled:
            with self._lock:
                self.bar.update(n)

    def close(self) -> None:
        """End the current phase (its line printed) and the bar."""
        if not self.enabled:
            return
        self._stop.set()
        self._thread.join()
        with self._lock:
            self._finish_phase()
            self.name = None
            self.bar.set_description_str(self.prefix, refresh=False)
            self.bar.close()

    def _finish_phase(self) -> None:
        if self.name is None:
            return
        seconds = time.perf_counter() - self.started
        what = f"{self.name}: {self.detail}" if self.detail else self.name
        line = f"{self.prefix}: {what} ({seconds:.1f} s)"
        self.lines.append(line)
        self.bar.write(line, file=self.file)

    def _label(self) -> None:
        seconds = time.perf_counter() - self.started
        what = f"{self.name}: {self.detail}" if self.detail else self.name
        self.bar.set_description_str(f"{self.prefix}: {what} {seconds:.0f} s", refresh=True)

    def _redraw(self, tick: float) -> None:
        while not self._stop.wait(tick):
            with self._lock:
                if self.name is not None:
                    self._label()
