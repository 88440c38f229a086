"""Property-based fuzzing of every input a user hands to dse (Hypothesis, fixed seed).

Network files, trace files, sweep and study YAML and command-line arguments are generated around
the valid grammar (wrong types, unknown or misspelt keys, huge grids, zero, negative and
non-finite values, unit mistakes, truncated or corrupt files). None may end in a traceback or a
hang: each is accepted, or refused with exit status 2 and one message that names the file and
the key or line. Accepted CLI inputs stop at the point where real work would start (the runner
is replaced by a sentinel), so each case costs milliseconds; refused ones must leave any output
already on disk untouched.
"""
import gzip
import io
import os
import re
import string
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import pytest
import yaml

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cli_helpers import CONFORMANCE  # noqa: E402  (tests/ is on sys.path)

import dse  # noqa: E402,F401
from dse import design  # noqa: E402
from dse.network import NetworkFileError, load_network  # noqa: E402

#: fixed seed (derandomized), no example database, no deadline; 820 cases in all
FUZZ = settings(derandomize=True, deadline=None, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.filter_too_much])
TINY = os.path.join(CONFORMANCE, "networks", "tiny.csv")


class Accepted(Exception):
    """Raised where a valid command would start real work."""


def run_cli(argv, monkeypatch):
    """``dse ARGV`` in-process with the heavy runners replaced by :class:`Accepted`; returns
    (exit status or 'accepted', stderr)."""
    from dse.cli.main import main

    def accept(*a, **k):
        raise Accepted

    import dse.accuracy.evaluate
    import dse.accuracy.traces_export
    import dse.accuracy.train
    import dse.engine
    import dse.search.study
    import dse.sweep.runner
    import dse.traces.onnx_import
    for mod, name in ((dse.sweep.runner, "run_sweep"), (dse.engine, "evaluate"), (dse.search.study, "run_study"),
                      (dse.accuracy.evaluate, "Evaluator"), (dse.accuracy.train, "train"),
                      (dse.accuracy.traces_export, "export_traces"), (dse.traces.onnx_import, "import_onnx")):
        monkeypatch.setattr(mod, name, accept)
    err = io.StringIO()
    try:
        with redirect_stderr(err), redirect_stdout(io.StringIO()):
            rc = main(argv)
    except Accepted:
        rc = "accepted"
    except SystemExit as e:   # argparse
        rc = e.code
    return rc, err.getvalue()


def assert_refused_cleanly(rc, err, *names):
    assert rc == 2, (rc, err)
    assert "Traceback" not in err
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert lines and (len(lines) == 1 or lines[0].startswith("usage:")), err
    for n in names:
        assert n in err, (n, err)


# ---------------------------------------------------------------- network files
_field = st.one_of(st.integers(-3, 70).map(str), st.sampled_from(["", " ", "1.5", "2.0", "x", "nan", "inf", "-0",
                                                                   "1e3", "0x10", "3;4", "\"5\""]))
_line = st.lists(_field, min_size=0, max_size=10).map(",".join)


@settings(FUZZ, max_examples=120)
@given(lines=st.lists(st.one_of(_line, st.just("32,32,3,3,3,64,0,1"), st.just("")), min_size=0, max_size=6),
       junk=st.sampled_from([b"", b"\xef\xbb\xbf", b"\x00\xff\xfe", b"\r\n"]))
def test_network_files(tmp_path_factory, lines, junk):
    path = str(tmp_path_factory.mktemp("net") / "net.csv")
    with open(path, "wb") as f:
        f.write(junk + "\n".join(lines).encode())
    try:
        net = load_network(path)
    except NetworkFileError as e:
        msg = str(e)
        assert msg.startswith(path), msg
        assert re.search(r"line \d+|no layers|cannot read the network file|not text", msg), msg
        return
    for layer in net.layers:
        t = layer.as_tuple()
        assert all(isinstance(v, int) and v >= 0 for v in t) and min(t[:6]) >= 1 and t[7] >= 1


# ---------------------------------------------------------------- trace files
LAYER = (6, 6, 2, 3, 3, 4, 0, 1)        # 18 rows, 4 outputs, 16 windows -> 128 input columns


def _weights_text(kind, rng):
    w = np.rint(rng.uniform(-1, 1, (18, 4)) * 128) / 128
    if kind == "shape":
        w = w[:, :3]
    elif kind == "rows":
        w = w[:10]
    elif kind == "nan":
        w[3, 1] = np.nan
    elif kind == "range":
        w[2, 2] = -1.75
    text = "\n".join(",".join(f"{v:.10g}" for v in row) for row in w)
    if kind == "text":
        text = text.replace(text.split(",")[5], "abc", 1)
    elif kind == "empty":
        text = ""
    elif kind == "ragged":
        text = text + "\n0.5,0.5"
    return text


def _inputs_text(kind, rng):
    x = (rng.random((18, 128)) < 0.3).astype(int)
    if kind == "short":
        x = x[:, :100]
    elif kind == "rows":
        x = x[:17]
    elif kind == "notbit":
        x[4, 7] = 2
    text = "\n".join(",".join(map(str, row)) for row in x)
    if kind == "text":
        text = text.replace("0,1", "0,?", 1)
    return text


@settings(FUZZ, max_examples=100)
@given(wkind=st.sampled_from(["ok", "shape", "rows", "nan", "range", "text", "empty", "ragged"]),
       xkind=st.sampled_from(["ok", "short", "rows", "notbit", "text"]),
       gz=st.sampled_from(["none", "both", "truncated", "garbage"]), seed=st.integers(0, 3))
def test_trace_files(tmp_path_factory, wkind, xkind, gz, seed):
    from dse import traces as T
    from dse.network import from_layers

    rng = np.random.default_rng(seed)
    folder = tmp_path_factory.mktemp("tr")
    files = {"weight1.csv": _weights_text(wkind, rng), "input1.csv": _inputs_text(xkind, rng)}
    for name, text in files.items():
        data = text.encode()
        if gz == "none":
            (folder / name).write_bytes(data)
            continue
        blob = gzip.compress(data)
        if gz == "truncated" and name == "input1.csv":
            blob = blob[: len(blob) // 2]
        elif gz == "garbage" and name == "weight1.csv":
            blob = b"\x1f\x8b" + bytes(rng.integers(0, 256, 64, dtype=np.uint8))
        (folder / (name + ".gz")).write_bytes(blob)
    net = from_layers([LAYER], name="fuzz")
    key = T.stats_key(T.CutKey(sub=16, ncps=4, input_bits=8, novel=False, tile_cm=64, pe_cm=32), 8, 2, False)
    try:
        st_, _ = T.layer_stats(str(folder), net, 0, key, use_cache=False)
    except T.TraceError as e:
        msg = str(e)
        assert str(folder) in msg and re.search(r"(weight|input)1\.csv", msg), msg
        return
    assert wkind == "ok" and xkind == "ok" and gz in ("none", "both")
    assert st_.n_hist.sum() > 0


# ---------------------------------------------------------------- sweep and study files
_knob_names = list(design.KNOBS) + ["tecnode", "subarry", "Memcell", ""]
_value = st.one_of(st.integers(-5, 5000), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
                   st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e308, -0.0, 2 ** 70]),
                   st.sampled_from(["sram", "rram", "fefet", "6 kOhm", "6 kHz", "1 GHz", "-1 ns", "1e3", "ten",
                                    "100 mm^2", "nan", "", "[1, 2]", "10 TOPS/W"]),
                   st.lists(st.integers(-2, 300), max_size=3),
                   st.dictionaries(st.sampled_from(["low", "high", "log", "step"]), st.integers(-5, 500), max_size=3))
_values = st.one_of(_value, st.lists(_value, min_size=0, max_size=4))
_cond = st.sampled_from(["parallel_read <= subarray", "subarray >", "area <= 5 mm^2", "tops_per_w >= 10 TOPS/W",
                         "foo < 3", "area <= 5 GHz", "technode == 7", "memcell == 'rram'", 3, None,
                         "adc_bits in [3, 4]", "r_on >= 6 kOhm"])
HUGE = {k: list(range(2, 62)) for k in ("r_on", "on_off", "col_mux", "speedup", "seed", "clk_freq")}

SWEEP = {"network": TINY, "fixed": {"roadmap": "lstp", "r_on": "100 kOhm"},
         "grid": {"technode": [22, 7], "memcell": ["sram", "rram"], "subarray": [64, 128], "parallel_read": [32, 128]},
         "where": ["parallel_read <= subarray"], "keep": ["area <= 50 mm^2"], "output": "out.nc", "batch_size": 256}


@st.composite
def mutated(draw, base, sections):
    """``base`` with one to three random mutations: a key removed, added (misspelt) or given a wrong
    value, an entry of a section (``sections``: keys holding mappings or lists) replaced."""
    doc = yaml.safe_load(yaml.safe_dump(base))
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["drop", "add", "top", "entry", "entry", "entry", "huge", "mode"]))
        if kind == "drop" and doc:
            doc.pop(draw(st.sampled_from(sorted(doc))))
        elif kind == "add":
            doc[draw(st.sampled_from(["gird", "Fixed", "notes", "optimise", "metrics", "traces"]))] = draw(_values)
        elif kind == "top" and doc:
            doc[draw(st.sampled_from(sorted(doc)))] = draw(st.one_of(_values, st.sampled_from(
                ["vgg8", "missing.csv", "../../etc", TINY + "x"])))
        elif kind == "entry":
            sec = draw(st.sampled_from(sections))
            node = doc
            for part in sec.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            if isinstance(node, dict):
                node[draw(st.sampled_from(_knob_names + sorted(node)))] = draw(st.one_of(_values, st.lists(
                    st.one_of(st.integers(0, 300), st.sampled_from(["sram", "1 GHz", "6 kOhm", "x"])), max_size=3)))
            elif isinstance(node, list):
                node.append(draw(_cond))
        elif kind == "huge" and isinstance(doc.get("grid"), dict):
            doc["grid"].update(HUGE)                   # 60^6 = 4.7e10 points
        elif kind == "mode":
            doc.pop("grid", None)
            doc[draw(st.sampled_from(["points", "sample"]))] = draw(st.one_of(
                st.lists(st.dictionaries(st.sampled_from(_knob_names), _value, max_size=3), max_size=3),
                st.fixed_dictionaries({"n": st.sampled_from([0, -1, 5, "x", 10 ** 12]),
                                       "seed": st.sampled_from([0, "a"]),
                                       "space": st.dictionaries(st.sampled_from(_knob_names), _values, max_size=3)})))
    return doc


def _write_yaml(folder, doc, raw=None):
    path = str(folder / "s.yaml")
    with open(path, "w") as f:
        f.write(raw if raw is not None else yaml.safe_dump(doc, default_flow_style=None))
    return path


@settings(FUZZ, max_examples=200)
@given(doc=mutated(SWEEP, ["grid", "fixed", "where", "keep"]),
       raw=st.sampled_from([None] * 12 + ["grid: [", "- a\n- b\n", "network: vgg8\n\tgrid: {}", "\x00\x01", ""]))
def test_sweep_files(tmp_path_factory, monkeypatch, doc, raw):
    folder = tmp_path_factory.mktemp("sw")
    path = _write_yaml(folder, doc, raw)
    out = folder / "existing.nc"
    out.write_bytes(b"previous result")
    rc, err = run_cli(["run", path, "--out", str(out), "--force"], monkeypatch)
    assert out.read_bytes() == b"previous result"
    hypothesis.event("accepted" if rc == "accepted" else re.sub(r"^.*?s\.yaml[^:]*: ", "", err)[:45])
    if rc == "accepted":
        return
    assert_refused_cleanly(rc, err, path)


STUDY = {"network": TINY, "fixed": {"roadmap": "lstp"},
         "optimize": {"space": {"technode": [22, 7], "adc_bits": {"low": 3, "high": 7},
                                "r_on": {"low": "6 kOhm", "high": "240 kOhm", "log": True}},
                      "objectives": {"area": "min", "tops_per_w": "max"}, "constraints": ["area <= 5 mm^2"],
                      "trials": 16, "batch": 8, "sampler": "nsga2", "reference": {"area": "10 mm^2"}}}


@settings(FUZZ, max_examples=200)
@given(doc=mutated(STUDY, ["optimize", "optimize.space", "optimize.objectives", "optimize.constraints",
                           "optimize.reference", "fixed"]))
def test_study_files(tmp_path_factory, monkeypatch, doc):
    folder = tmp_path_factory.mktemp("st")
    path = _write_yaml(folder, doc)
    rc, err = run_cli(["optimize", path, "--out", str(folder / "o.nc"), "--quiet"], monkeypatch)
    hypothesis.event("accepted" if rc == "accepted" else re.sub(r"^.*?s\.yaml[^:]*: ", "", err)[:45])
    if rc == "accepted":
        return
    assert_refused_cleanly(rc, err, path)


# ---------------------------------------------------------------- command lines
_word = st.text(string.ascii_letters + string.digits + "_-=. /", max_size=12)


@settings(FUZZ, max_examples=80)
@given(sets=st.lists(st.one_of(st.builds("{}={}".format, st.sampled_from(_knob_names), st.one_of(
    st.sampled_from(["7", "22", "sram", "rram", "6 kOhm", "6kHz", "-3", "0", "1e400", "nan", "true", "yes", "",
                     "64", "300", "2.5", "1 GHz", "4"]), _word)), _word), max_size=4),
       network=st.sampled_from(["vgg8", "tiny", TINY, "nope.csv"]),
       extra=st.lists(st.sampled_from(["--json", "--traces", "missing_dir", "--bogus", "-x"]), max_size=2))
def test_estimate_arguments(monkeypatch, sets, network, extra):
    argv = ["estimate", network] + [a for s in sets for a in ("--set", s)] + extra
    rc, err = run_cli(argv, monkeypatch)
    if rc == "accepted":
        return
    assert_refused_cleanly(rc, err)


_COMMANDS = ["run", "show", "plot", "pareto", "optimize", "estimate", "accuracy", "traces", "import", "train"]
_TOKENS = ["--out", "--x", "--y", "--color", "--set", "--sweep", "--trials", "--batch", "--storage", "--study",
           "--sampler", "--force", "--quiet", "--json", "--traces", "--data", "--samples", "--epochs", "--top",
           "--weight-bits", "--input-bits", "-1", "0", "3", "1e9", "area", "aera", "tops_per_w", "technode",
           "adc_bits=3,4", "memcell=rram", "r_on=6 kHz", "sqlite:////nonexistent/dir/x.db", "postgresql://u:p@/x",
           "results/none.nc", "sweeps/vgg8_grid.yaml", "sweeps/digits_pareto.yaml", "models/digits_cnn",
           "models/digits_cnn.onnx", "models/digits_test.npz", "models/vgg8.csv", "README.md", "digits_cnn", "vgg8"]


_FLAGS = [t for t in _TOKENS if t.startswith("--")]
_VALUES = [t for t in _TOKENS if not t.startswith("--")]
_POSITIONAL = ["sweeps/vgg8_grid.yaml", "sweeps/digits_pareto.yaml", "models/digits_cnn", "models/digits_cnn.onnx",
               "models/vgg8.csv", "README.md", "results/none.nc", "digits_cnn", "vgg8", "", "models"]


def _command_flags():
    """Each command's own option strings, read from the parser (so the fuzzing follows the CLI)."""
    import argparse

    from dse.cli.main import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {c: sorted(f for f in p._option_string_actions if f.startswith("--") and f != "--help")
            for c, p in sub.choices.items()}


@st.composite
def command_lines(draw):
    flags = _command_flags()
    command = draw(st.sampled_from(sorted(flags)))
    args = [command] + draw(st.lists(st.sampled_from(_POSITIONAL), min_size=1, max_size=2))
    for _ in range(draw(st.integers(0, 4))):
        flag = draw(st.sampled_from(flags[command] + _FLAGS[:3])) if flags[command] else draw(st.sampled_from(_FLAGS))
        args += [flag, draw(st.one_of(st.sampled_from(_VALUES), _word))]
    return args


@settings(FUZZ, max_examples=120)
@given(argv=command_lines())
def test_command_lines(monkeypatch, argv):
    command, args = argv[0], argv[1:]
    cwd = os.getcwd()
    os.chdir(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))   # the repo: relative paths resolve
    try:
        rc, err = run_cli([command] + args, monkeypatch)
    finally:
        os.chdir(cwd)
    hypothesis.event(f"{command} {rc}: {err.strip().splitlines()[-1][:40] if err.strip() else ''}")
    if rc in ("accepted", 0):
        return
    assert_refused_cleanly(rc, err)
