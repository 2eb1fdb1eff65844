"""Running `burnrate` as a real process: the command, free ports, waiting until it serves."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

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


def rss_bytes(pid: int) -> int:
    """The process's resident memory (VmRSS of /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")


def answering_pid(base: str, key: str) -> int:
    """The process that answers requests, as the server itself reports it (every sample of
    /metrics carries its pid)."""
    httpx.post(f"{base}/graphql", json={"query": "{ __typename }"},
               headers={"Authorization": f"Bearer {key}"})  # fmt: skip
    text = httpx.get(f"{base}/metrics").text
    line = next(line for line in text.splitlines() if line.startswith("burnrate_requests_total"))
    return int(line.split('pid="', 1)[1].split('"', 1)[0])
