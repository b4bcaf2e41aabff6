"""CPU seconds consumed by process trees, from /proc (Linux): what a benchmark's servers and workers spent,
including children that already exited (their time is in the parent's `cutime`/`cstime` once reaped)."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[int, float, float] | None:
    """(ppid, own CPU seconds, reaped children's CPU seconds) of a live process, else None."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 2 :].split()  # after "pid (comm) "
    ppid = int(fields[1])
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return ppid, (utime + stime) / TICKS, (cutime + cstime) / TICKS


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = defaultdict(list)
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None:
                tree[stat[0]].append(int(entry.name))
    return tree


def tree_cpu_s(roots: Iterable[int]) -> dict[int, float]:
    """Per root pid: CPU seconds of the process, its live descendants and its reaped children."""
    tree = _children()
    out: dict[int, float] = {}
    for root in roots:
        total = 0.0
        stack = [root]
        while stack:
            pid = stack.pop()
            stat = _stat(pid)
            if stat is None:
                continue
            total += stat[1] + stat[2]  # its own time and its exited (reaped) children's
            stack.extend(tree.get(pid, []))
        out[root] = total
    return out


def read_pid_file(path: Path) -> int | None:
    """The first line of a pid file (PostgreSQL's postmaster.pid or the dev stack's), when alive."""
    try:
        pid = int(path.read_text().splitlines()[0].strip())
    except (OSError, ValueError, IndexError):
        return None
    return pid if _stat(pid) is not None else None
