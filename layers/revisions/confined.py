"""Ingest jobs run in a child process with a CPU-time and a memory limit.

An uploaded file is the one input of the portal that makes native code (GDAL's drivers,
GEOS) work in proportion to what the sender chose: a file can be built to take hours or
gigabytes. So the job worker never reads an upload itself. It starts
``manage.py run_ingest_job KIND ID``, a fresh process that first limits itself
(``confine_this_process``: INGEST_CPU_SECONDS of CPU time, INGEST_MEMORY_BYTES of data) and
then runs the job as before. A job over a limit fails with a plain message for the planner
(ResourceLimit, raised in the child, or the parent's ``outcome`` when the kernel had to kill
the child); its transaction is rolled back by PostgreSQL with the connection, so the published
revision and the web tier never notice. The worker process itself, and with it the queue,
carries on with the next job.

Why a fresh process and not a fork: the worker runs jobs in threads beside an event loop, and
a fork of a threaded process can inherit locks held by another thread. A fresh interpreter
costs about a second of start-up per upload, which a planner does not notice.
"""

import ctypes
import errno
import os
import resource
import signal
import subprocess
import sys
from dataclasses import dataclass

from django.conf import settings

from layers.ingest import problems

# The kernel's hard CPU limit comes this many seconds after the soft one: time for the child
# to turn SIGXCPU into a plain message before it is killed outright.
CPU_GRACE_SECONDS = 10
# prctl(2): the signal this process gets when its parent dies.
PR_SET_PDEATHSIG = 1
# The job worker's process id, for the child to check that it is still its parent.
PARENT_VARIABLE = "INGEST_PARENT_PID"
# The kinds of job that read uploaded files.
UPLOAD, PACKAGE = "upload", "package"


class ResourceLimit(Exception):  # noqa: N818 (a limit reached, not a programming error)
    """The child reached one of its limits, or died: ``problem`` says so to the planner."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params

    def problem(self) -> dict:
        """The stored problem (layers/ingest/problems.py), as a refused file has them."""
        return problems.error(self.code, **self.params).as_dict()

    def message(self) -> str:
        return problems.render_message(self.code, self.params)


def cpu_seconds() -> int:
    return int(settings.INGEST_CPU_SECONDS)


def memory_bytes() -> int:
    return int(settings.INGEST_MEMORY_BYTES)


def memory_limit() -> ResourceLimit:
    return ResourceLimit("ingest_memory_limit", limit=_gigabytes(memory_bytes()))


def cpu_limit() -> ResourceLimit:
    return ResourceLimit("ingest_cpu_limit", seconds=cpu_seconds())


def confine_this_process() -> None:
    """Limits the calling process: its CPU time from now on, and its data segment (every
    private writable mapping: Python's heap, GDAL's and GEOS's buffers; not the shared
    libraries, which RLIMIT_AS would count). Past the CPU limit, SIGXCPU raises
    ResourceLimit in the main thread; past the hard limit the kernel kills the process."""
    _die_with_parent()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(usage.ru_utime + usage.ru_stime) + 1
    soft = spent + cpu_seconds()
    resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + CPU_GRACE_SECONDS))
    resource.setrlimit(resource.RLIMIT_DATA, (memory_bytes(), memory_bytes()))
    signal.signal(signal.SIGXCPU, _on_cpu_limit)


def _die_with_parent() -> None:
    """Asks the kernel to kill this process when the job worker that started it dies: a job
    whose worker is gone must stop writing, as it did when jobs ran inside the worker (the
    upkeep then marks it interrupted, layers/revisions/upkeep.py)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if str(os.getppid()) != os.environ.get(PARENT_VARIABLE):
        os._exit(1)  # the worker died before the request above took effect


def _on_cpu_limit(signum, frame):
    raise cpu_limit()


# How native libraries say that an allocation failed: GEOS passes C++'s std::bad_alloc on
# through shapely, GDAL's drivers say "out of memory" or quote ENOMEM.
OUT_OF_MEMORY_WORDS = ("bad_alloc", "out of memory", "cannot allocate memory")


def limit_reached(error: BaseException) -> ResourceLimit | None:
    """The limit behind ``error``, when it is one: ResourceLimit itself (CPU time), a failed
    allocation under the data limit (MemoryError in Python, or in a native library), or a
    full disk under the scratch folder or MEDIA_ROOT."""
    if isinstance(error, ResourceLimit):
        return error
    if isinstance(error, MemoryError):
        return memory_limit()
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return ResourceLimit("ingest_disk_full")
    text = str(error).lower()
    if any(words in text for words in OUT_OF_MEMORY_WORDS):
        return memory_limit()
    return None


@dataclass(frozen=True)
class ChildOutcome:
    returncode: int
    cpu_seconds: float
    peak_bytes: int  # the child's largest resident size

    @property
    def finished(self) -> bool:
        """The child ended the job itself: done, refused, or failed and recorded. (After an
        unexpected error the child records the failure and exits with 1; the job worker's
        ``fail_stopped_*`` then finds the job ended and leaves it.)"""
        return self.returncode == 0

    def limit(self) -> ResourceLimit:
        """What stopped a child that did not end its job, in the planner's words: the hard
        CPU limit (SIGXCPU unanswered in native code, then SIGKILL) when it had used its CPU
        time; memory when it was killed by the kernel's out-of-memory killer or died (a
        native library aborting on a failed allocation, an error while it started) near its
        data limit; else a crash."""
        if self.cpu_seconds >= cpu_seconds():
            return cpu_limit()
        if self.returncode == -signal.SIGKILL or self.peak_bytes >= NEAR_LIMIT * memory_bytes():
            return memory_limit()
        return ResourceLimit("ingest_crashed")


# A child that died with this share of its data limit resident had run out of memory (its
# resident size also counts the shared libraries, which the data limit does not).
NEAR_LIMIT = 0.75


def run_in_child(kind: str, job_id: int) -> ChildOutcome:
    """Runs job ``job_id`` of ``kind`` (UPLOAD or PACKAGE) in a confined child process
    with this process's environment, and waits for it (wait4: the child's own usage)."""
    child = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py, no shell)
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "run_ingest_job", kind, str(job_id)],
        cwd=settings.BASE_DIR,
        env={**os.environ, PARENT_VARIABLE: str(os.getpid())},
    )
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return ChildOutcome(child.returncode, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024)


def _gigabytes(count: int) -> str:
    return f"{count / 1024**3:.1f} GB" if count >= 1024**3 else f"{count // 1024**2} MB"
