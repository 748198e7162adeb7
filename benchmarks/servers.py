"""Serving an app under gunicorn for the length of a benchmark, on a free loopback port."""
from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, headers: dict | None = None, timeout: float = 5.0):
    """One GET on 127.0.0.1:``port``; returns (status, headers, body text)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


class Gunicorn:
    """``with Gunicorn("wsgi:app", env, workers=2) as server:`` serves until the block ends."""

    def __init__(self, app_spec: str, env: dict[str, str], workers: int, log_dir: Path,
                 ready_path: str = "/healthz"):
        self.app_spec = app_spec
        self.env = {**os.environ, **env}
        self.workers = workers
        self.ready_path = ready_path
        self.port = free_port()
        self.log_path = Path(log_dir) / f"gunicorn-{app_spec.replace(':', '-')}-{self.port}.log"
        self.process: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        return [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "-k", "sync",
                "-b", f"127.0.0.1:{self.port}", "--chdir", str(PROJECT_ROOT), self.app_spec]

    def __enter__(self) -> "Gunicorn":
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(self.command, env=self.env, cwd=PROJECT_ROOT,
                                        stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        log.close()
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.app_spec} exited with {self.process.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                status, _headers, _body = get(self.port, self.ready_path, timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn {self.app_spec} not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __exit__(self, *exc_info) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # TERM to the master: it stops its workers gracefully and exits.
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
