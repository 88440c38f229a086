"""``dse optimize``: batched ask / evaluate / tell on a persistent Optuna study.

Each round asks up to ``batch`` trials, evaluates them together (one compiled
hardware-model call, accuracy only where needed) and tells the results. Points
the model cannot build fail (their reason in the ``error`` user attribute);
constraints go to the sampler through ``constraints_func``.

The study lives in a storage (SQLite under ``results/`` by default, or any Optuna
URL), so a killed run resumes, and several processes on one study cooperate: each
worker writes a heartbeat into the study; trials left RUNNING by a worker that died
(its process is gone, or its heartbeat is older than the grace period) are taken over
and evaluated by the next worker, so the study ends with exactly ``trials`` trials.
"""
from __future__ import annotations

import dataclasses
import math
import os
import socket
import sys
import threading
import time
import uuid
import warnings
from typing import Callable

import optuna
from optuna.trial import FrozenTrial, TrialState

from dse.search.evaluate import BatchEvaluator, SearchError, constraint_value
from dse.search.spec import StudySpec
from dse.search.storage import masked_url, open_storage

#: Optuna >= 5 reads constraints from each trial (Trial.set_constraint); older ones need constraints_func
_TRIAL_CONSTRAINTS = hasattr(optuna.trial.Trial, "set_constraint")
HEARTBEAT_S = 5.0
GRACE_S = 60.0
_WORKER = "worker:"


def make_sampler(spec: StudySpec, seed: int, constraints_func) -> optuna.samplers.BaseSampler:
    if spec.sampler == "nsga2":
        return optuna.samplers.NSGAIISampler(population_size=spec.population, seed=seed,
                                             constraints_func=constraints_func)
    if spec.sampler == "tpe":
        return optuna.samplers.TPESampler(seed=seed, constraints_func=constraints_func, multivariate=True,
                                          n_startup_trials=max(10, spec.batch), constant_liar=True)
    if spec.sampler == "grid":
        return optuna.samplers.GridSampler(spec.space.grid(), seed=seed)
    return optuna.samplers.RandomSampler(seed=seed)


def constraints_of(trial: FrozenTrial) -> list[float]:
    return list(trial.user_attrs.get("constraints", [0.0]))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Worker:
    """This process's identity and heartbeat in the study (a background thread)."""

    def __init__(self, study: optuna.Study, interval: float = HEARTBEAT_S):
        self.study, self.interval = study, interval
        self.host, self.pid = socket.gethostname(), os.getpid()
        self.id = f"{self.host}:{self.pid}:{uuid.uuid4().hex[:6]}"
        self.started = time.time()
        self._stop = threading.Event()
        self.beat()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def beat(self, done: bool = False) -> None:
        self.study.set_user_attr(_WORKER + self.id, {"host": self.host, "pid": self.pid, "t": time.time(),
                                                     "start": self.started, "done": done})

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.beat()
            except Exception:  # noqa: BLE001  (a busy database: try again next beat)
                pass

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.beat(done=True)

    def rank(self) -> int:
        """Position among the live workers by start time (0 for the first)."""
        keys = [k for _, k in sorted((v["start"], k) for k, v in self.live().items())]
        me = _WORKER + self.id
        return keys.index(me) if me in keys else 0

    def live(self, grace: float = GRACE_S) -> dict[str, dict]:
        now, out = time.time(), {}
        for k, v in self.study.user_attrs.items():
            if k.startswith(_WORKER) and isinstance(v, dict) and not v.get("done") and self._alive(v, now, grace):
                out[k] = v
        return out

    def _alive(self, v: dict, now: float, grace: float) -> bool:
        if v.get("host") == self.host and v.get("pid") != self.pid and not _pid_alive(int(v.get("pid", -1))):
            return False
        return now - float(v.get("t", 0)) <= grace


@dataclasses.dataclass
class RunReport:
    study: optuna.Study
    spec: StudySpec
    evaluated: int          # trials this process evaluated
    claimed: int            # of which were left RUNNING by a dead worker
    seconds: float
    worker: str


def run_study(spec: StudySpec, *, progress: bool = True, grace: float = GRACE_S,
              log: Callable[[str], None] | None = None) -> RunReport:
    """Run (or resume, or join) the study until it has ``spec.trials`` finished trials."""
    log = log or (lambda s: print(s, file=sys.stderr, flush=True))
    t0 = time.perf_counter()
    storage = open_storage(spec.storage)
    directions = ["maximize" if o.maximize else "minimize" for o in spec.objectives]
    study = optuna.create_study(storage=storage, study_name=spec.study_name, directions=directions,
                                load_if_exists=True)
    fp = study.user_attrs.get("dse_fingerprint")
    if fp is None:
        study.set_user_attr("dse_fingerprint", spec.fingerprint)
        study.set_user_attr("dse_objectives", [str(o) for o in spec.objectives])
    elif fp != spec.fingerprint or [d.name.lower() for d in study.directions] != directions:
        raise SearchError(f"{spec.path}: study '{spec.study_name}' in {masked_url(spec.storage)} was made from a different "
                          f"network, space, objectives or constraints; choose another name with --study "
                          f"or delete the study")
    names = [o.name for o in spec.objectives]
    if study.metric_names != names:        # what optuna-dashboard labels the objectives with
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            study.set_metric_names(names)
    worker = Worker(study)
    try:
        existing = len(study.get_trials(deepcopy=False))
        rank = worker.rank()
        seed = spec.seed if existing == 0 and rank == 0 else spec.seed + 1_000_003 * (rank + 1) + 7919 * existing
        cons = constraints_of if spec.constraints and not _TRIAL_CONSTRAINTS else None
        study = optuna.load_study(study_name=spec.study_name, storage=storage, sampler=make_sampler(spec, seed, cons))
        worker.study = study
        evaluator = BatchEvaluator(spec)
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
            for name, key in (t.user_attrs.get("cache_keys") or {}).items():
                if name in t.user_attrs.get("metrics", {}):
                    evaluator.remember(name, key, t.user_attrs["metrics"][name])
        evaluated, claimed, rounds = _loop(study, spec, evaluator, worker, grace, progress, log)
    finally:
        worker.stop()
    return RunReport(study, spec, evaluated, claimed, time.perf_counter() - t0, worker.id)


def _stale(study: optuna.Study, worker: Worker, trials: list[FrozenTrial], grace: float) -> list[FrozenTrial]:
    running = [t for t in trials if t.state == TrialState.RUNNING]
    if not running:
        return []
    live = worker.live(grace)
    now = time.time()
    out = []
    for t in running:
        owner = t.user_attrs.get("worker")
        if owner == worker.id:
            continue
        if owner is None:  # asked by something else: stale once older than the grace period
            if t.datetime_start is not None and now - t.datetime_start.timestamp() > grace:
                out.append(t)
        elif _WORKER + owner not in live:
            out.append(t)
    return out


def _loop(study, spec, evaluator, worker, grace, progress, log):
    storage = study._storage
    dists = spec.space.distributions()
    delay = float(os.environ.get("DSE_OPTIMIZE_BATCH_DELAY", "0") or 0)
    worst = {k: p.worst for k, p in evaluator.providers.items() if p.worst is not None}
    evaluated = claimed = rounds = 0
    while True:
        trials = study.get_trials(deepcopy=False)
        stale = _stale(study, worker, trials, grace)[: spec.batch]
        batch: list[tuple[int, int, dict]] = []   # (trial id, number, params)
        for t in stale:
            storage.set_trial_user_attr(t._trial_id, "worker", worker.id)
            batch.append((t._trial_id, t.number, dict(t.params)))
        claimed += len(stale)
        # the trial count is read afresh before each ask, so concurrent workers overshoot the budget
        # by at most one trial between them
        while len(batch) < spec.batch and storage.get_n_trials(study._study_id) < spec.trials:
            trial = study.ask(fixed_distributions=dists)
            storage.set_trial_user_attr(trial._trial_id, "worker", worker.id)
            if trial.number >= spec.trials:       # another worker took the last slots meanwhile
                storage.set_trial_user_attr(trial._trial_id, "over_budget", True)
                study.tell(trial, state=TrialState.FAIL)
                break
            batch.append((trial._trial_id, trial.number, dict(trial.params)))
        if not batch:
            others = [t for t in trials if t.state == TrialState.RUNNING and t.user_attrs.get("worker") != worker.id]
            if not others:
                break
            time.sleep(0.5)                       # let live workers finish, so every output is complete
            continue
        rounds += 1
        outcomes = evaluator.evaluate([p for _, _, p in batch])
        for (tid, number, _), o in zip(batch, outcomes):
            _tell(study, spec, tid, number, o, worst)
        evaluated += len(batch)
        if delay:
            time.sleep(delay)
        if progress:
            done = sum(t.state.is_finished() for t in study.get_trials(deepcopy=False))
            ok = sum(not o.error for o in outcomes)
            log(f"dse optimize: {spec.study_name}: {min(done, spec.trials)}/{spec.trials} trials "
                f"(this batch: {len(batch)}, {ok} evaluated, {len(batch) - ok} failed)")
    return evaluated, claimed, rounds


def _tell(study, spec, tid: int, number: int, o, worst: dict[str, float]) -> None:
    storage = study._storage
    try:
        if o.metrics:
            storage.set_trial_user_attr(tid, "metrics", {k: (v if math.isfinite(v) else None)
                                                         for k, v in o.metrics.items()})
        if o.cache_keys:
            storage.set_trial_user_attr(tid, "cache_keys", o.cache_keys)
        values = []
        error = o.error
        if not error:
            for obj in spec.objectives:
                v = o.metrics.get(obj.name)
                if v is None and obj.name in o.skipped:   # not evaluated: a constraint is already violated
                    v = worst.get(obj.name, -1e30 if obj.maximize else 1e30)
                if v is None or not math.isfinite(v):
                    error = f"objective '{obj.name}' is not finite"
                    break
                values.append(v)
        if error:
            storage.set_trial_user_attr(tid, "error", error)
            study.tell(number, state=TrialState.FAIL, skip_if_finished=True)
            return
        cons = [constraint_value(c, o.metrics) if not any(s in o.skipped for s in (c.lhs, c.rhs)) else 1.0
                for c in spec.constraints]
        storage.set_trial_user_attr(tid, "constraints", cons)
        if _TRIAL_CONSTRAINTS:
            for j, c in enumerate(cons):
                storage.set_trial_system_attr(tid, f"constraints:{j}", c)
        if o.skipped:
            storage.set_trial_user_attr(tid, "skipped", list(o.skipped))
        study.tell(number, values, skip_if_finished=True)
    except optuna.exceptions.UpdateFinishedTrialError:
        pass  # two workers took over the same stale trial; the other one told it first
