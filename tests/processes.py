"""Running `burnrate` as a real process: the command, free ports, waiting until it serves."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

BURNRATE = str(Path(sys.executable).parent / "burnrate")
ROOT = Path(__file__).resolve().parent.parent


def burnrate(
    *args: str, database_url: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=database_url)
    return subprocess.run(
        [BURNRATE, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def assert_one_line_failure(result: subprocess.CompletedProcess[str], needle: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("burnrate: ")
    assert needle in lines[0]
    assert "Traceback" not in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(base: str, seconds: float = 30) -> None:
    """Until a served process answers /readyz with 200."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{base}/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the server did not become ready"
        time.sleep(0.2)


@dataclass
class Server:
    """A `burnrate serve` process and what it has printed so far (read as it comes)."""

    process: subprocess.Popen[str]
    base: str
    lines: list[str] = field(default_factory=list)

    def output(self) -> str:
        return "\n".join(self.lines)

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in list(self.lines) if line.startswith("{")]


@contextmanager
def serving(
    database_url: str, *args: str, env: dict[str, str] | None = None, ready: bool = True
) -> Iterator[Server]:
    """`burnrate serve ARGS` on a free port until the block ends (then SIGTERM and wait)."""
    port = free_port()
    process = subprocess.Popen(
        [BURNRATE, "serve", "--port", str(port), *args],
        env={**os.environ, "DATABASE_URL": database_url, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Server(process, f"http://127.0.0.1:{port}")

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            server.lines.append(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if ready:
            wait_ready(server.base)
        else:
            wait_alive(server.base)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        reader.join(timeout=30)


def wait_alive(base: str, seconds: float = 30) -> None:
    """Until a served process answers /healthz (it may not be ready)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.2)


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of the samples of `name` in Prometheus' text whose labels include `labels`
    (0 when there is none)."""
    total = 0.0
    for line in text.splitlines():
        found = _SAMPLE.match(line)
        if found is None or found.group(1) != name:
            continue
        have = dict(_LABEL.findall(found.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += float(found.group(3))
    return total


def rss_bytes(pid: int) -> int:
    """The process's resident memory (VmRSS of /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")


def answering_pid(pid: int) -> int:
    """The process that answers a `burnrate serve` started as `pid`: the process itself when
    it has no worker processes (one worker), checked from /proc."""
    children = [
        child
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
    assert not children, f"process {pid} serves through workers {children}"
    return pid


def start_demo(database_url: str, port: int) -> tuple[subprocess.Popen[str], list[str]]:
    """Run `burnrate demo` until it serves; returns the process and what it printed."""
    demo = subprocess.Popen(
        [BURNRATE, "demo", "--port", str(port)],
        env=dict(os.environ, DATABASE_URL=database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert demo.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 240
    while not any("Application startup complete" in line for line in lines):
        assert time.monotonic() < deadline and demo.poll() is None, "\n".join(lines)
        lines.append(demo.stdout.readline().rstrip())
    return demo, lines
