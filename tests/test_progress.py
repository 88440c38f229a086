"""The progress of ``dse run`` tells the truth: the phases in order, each with its time, and nothing
with ``--quiet`` (dse.sweep.progress)."""
import io
import re

from cli_helpers import dse_cli  # tests/ is on sys.path

from dse.sweep.progress import PHASES, PhaseBar

SWEEP = """
network: vgg8
fixed: {roadmap: lstp}
grid:
  technode: [22, 7]
  memcell: [sram, rram]
  adc_bits: [3, 5]
"""

LINE = re.compile(r"^dse run: ([a-z ]+?)(?:: .*)? \((\d+\.\d) s\)$")


def _phases(stderr: str) -> list[tuple[str, float]]:
    """The finished phases' lines in ``stderr`` (bar redraws end in carriage returns)."""
    out = []
    for part in re.split(r"[\r\n]", stderr):
        m = LINE.match(part.strip())
        if m and m.group(1) in PHASES:
            out.append((m.group(1), float(m.group(2))))
    return out


def test_phase_bar_lines_and_rate_from_evaluation():
    f = io.StringIO()
    bar = PhaseBar(10, 2, file=f, tick=0.01)
    bar("floorplans", "8 points")
    bar("traces", "key 1 of 2")
    bar("traces", "key 2 of 2")          # same phase, new detail: no line yet
    assert len(bar.lines) == 1
    bar("evaluating")
    assert bar.bar.n == 2 and bar.bar.initial == 2       # resumed points kept, out of the rate
    bar.advance(8)
    bar.close()
    names = [LINE.match(line).group(1) for line in bar.lines]
    assert names == ["floorplans", "traces", "evaluating"]
    assert bar.lines[1].startswith("dse run: traces: key 2 of 2 (")
    assert bar.bar.n == 10
    assert [p for p, _ in _phases(f.getvalue())] == names


def test_phase_bar_disabled_prints_nothing():
    f = io.StringIO()
    bar = PhaseBar(10, file=f, enabled=False)
    bar("floorplans")
    bar("evaluating")
    bar.advance(10)
    bar.close()
    assert f.getvalue() == "" and bar.lines == []


def test_run_reports_phases_in_order(tmp_path):
    sweep = tmp_path / "small.yaml"
    sweep.write_text(SWEEP)
    r = dse_cli("run", str(sweep), "--out", str(tmp_path / "out.nc"), "--force")
    seen = [p for p, _ in _phases(r.stderr)]
    need = ["encoding points", "floorplans", "structural keys", "traces", "evaluating", "dataset", "writing"]
    assert [p for p in seen if p in need] == need, r.stderr
    assert seen == [p for p in PHASES if p in seen], r.stderr           # in the documented order
    assert "key 1 of " in r.stderr and "8 points" in r.stderr
    q = dse_cli("run", str(sweep), "--out", str(tmp_path / "out.nc"), "--force", "--quiet")
    assert _phases(q.stderr) == [] and "pt/s" not in q.stderr, q.stderr
