"""Running the ``dse`` command line in a subprocess, for the end-to-end tests."""
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: ../shared beside the checkout (as in CI) and its conformance figures, networks and traces
SHARED = os.path.join(os.path.dirname(REPO), "shared")
CONFORMANCE = os.path.join(SHARED, "conformance")


def dse_cli(*args, env=None, check=True):
    """``python -m dse ARGS`` from the repository root; raises with its output when it fails and
    ``check`` is set, else returns the completed process."""
    e = dict(os.environ, **(env or {}))
    r = subprocess.run([sys.executable, "-m", "dse", *args], capture_output=True, text=True, cwd=REPO, env=e)
    if check and r.returncode != 0:
        raise AssertionError(f"dse {' '.join(args)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r
