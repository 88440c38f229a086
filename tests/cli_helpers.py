"""Running the ``dse`` command line in a subprocess, for the end-to-end tests."""
import os
import signal
import subprocess
import sys
import time

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


def dse_killed_when(args, condition, *, env=None, timeout=600, poll=0.005):
    """Start ``python -m dse ARGS``, wait until ``condition()`` holds, then SIGKILL the process (a real
    kill -9, as a crash or a cluster's preemption would); returns its exit status (``-SIGKILL`` when
    it was killed) and stderr. Fails if the process ends by itself first."""
    e = dict(os.environ, **(env or {}))
    p = subprocess.Popen([sys.executable, "-m", "dse", *args], cwd=REPO, env=e, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while not condition():
        if p.poll() is not None:
            raise AssertionError(f"dse {' '.join(args)} ended (status {p.returncode}) before it could be killed:\n"
                                 + p.stderr.read())
        if time.monotonic() - t0 > timeout:
            p.kill()
            raise AssertionError(f"dse {' '.join(args)}: condition not reached in {timeout} s")
        time.sleep(poll)
    p.send_signal(signal.SIGKILL)
    _, err = p.communicate()
    return p.returncode, err
