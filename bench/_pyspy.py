"""py-spy around a benchmark's measured phase: which Python functions gunicorn's workers spent
their CPU in (``--gil``: only samples of the thread holding the GIL, i.e. running Python).
Used by ``comments.py --profile FILE``; py-spy is pinned in requirements.txt and attaches to
processes of the same user (root here; elsewhere it may need ptrace rights)."""

import collections
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from _server import stop as stop_process

RATE = 100  # samples per second and process: enough for shares, light on two cores


def start(pid: int, output: Path) -> subprocess.Popen | None:
    """py-spy recording ``pid`` and its children (gunicorn's master: its workers) into
    ``output`` (collapsed stacks), until stop()."""
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        print("  py-spy not installed: no profile", flush=True)
        return None
    return subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--subprocesses", "--gil", "--nonblocking"]
        + ["--rate", str(RATE), "--format", "raw", "--output", str(output)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(recorder: subprocess.Popen | None, output: Path, top: int = 60) -> None:
    """Ends the recording (py-spy writes its file on SIGINT) and prints the functions with
    the largest inclusive share of the samples."""
    if recorder is None:
        return
    stop_process(recorder, signal.SIGINT, seconds=30)
    if not output.exists():
        print("  py-spy wrote no profile", flush=True)
        return
    shares, total = inclusive_shares(output)
    print(f"  py-spy (--gil, {total} samples in {output}): inclusive share of the CPU in Python")
    functions = [(name, count) for name, count in shares.most_common() if " (" in name]
    for name, count in functions[:top]:
        print(f"    {100 * count / total:5.1f}%  {name}")


def inclusive_shares(output: Path) -> tuple[collections.Counter, int]:
    """Each function's samples (once per stack), from py-spy's collapsed format: one line
    per stack, frames joined by ';', then the count."""
    shares: collections.Counter = collections.Counter()
    total = 0
    for line in output.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        total += int(count)
        # The first frame names the process; the rest are "function (file:line)".
        names = {_function(frame) for frame in stack.split(";")[1:]}
        for name in names:
            shares[name] += int(count)
    return shares, max(total, 1)


def _function(frame: str) -> str:
    match = re.match(r"(.*) \((.*?)(?::\d+)?\)$", frame)
    if not match:
        return frame
    function, path = match.groups()
    path = re.sub(r".*/site-packages/", "", path)
    path = re.sub(rf"^{re.escape(str(Path(__file__).resolve().parent.parent))}/", "", path)
    return f"{function} ({path})"
