"""Where the CPU of a benchmark run went, from /proc (Linux): each group of processes (the load
client, gunicorn, the PostgreSQL backends serving it) and the whole machine, so that a figure
taken on a shared two-core machine can say how much of the machine the others took."""

import os
from dataclasses import dataclass

TICKS = os.sysconf("SC_CLK_TCK")


def process_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads), 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (gunicorn's workers of its master)."""
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as listing:
                found += [int(child) for child in listing.read().split()]
        except OSError:
            continue
    return found


def machine_seconds() -> tuple[float, float]:
    """(busy, all) CPU seconds of the machine since boot, summed over its CPUs."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / TICKS, sum(values[:8]) / TICKS


@dataclass
class CPUWatch:
    """CPU seconds per named group of processes between ``start`` and ``stop``. A process
    that appears only later (a database connection opened during the run) counts from zero."""

    groups: dict[str, list[int]]

    def start(self) -> None:
        self.before = {pid: process_seconds(pid) for pids in self.groups.values() for pid in pids}
        self.machine_before = machine_seconds()

    def stop(self, groups: dict[str, list[int]] | None = None) -> dict[str, float]:
        """Seconds per group, plus ``others`` (the rest of the machine: other users' work)
        and ``machine`` (all CPUs, busy). ``groups`` may name processes found since."""
        groups = groups or self.groups
        spent = {
            name: sum(process_seconds(pid) - self.before.get(pid, 0.0) for pid in pids)
            for name, pids in groups.items()
        }
        busy, _ = machine_seconds()
        spent["machine"] = busy - self.machine_before[0]
        ours = sum(value for name, value in spent.items() if name != "machine")
        spent["others"] = max(0.0, spent["machine"] - ours)
        return spent
