"""Load generators on loopback: ``wrk`` when installed, else Python threads with keep-alive."""
from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field

WRK = shutil.which("wrk") or ("/usr/bin/wrk" if os.path.exists("/usr/bin/wrk") else None)


@dataclass
class Measurement:
    """What one load run observed."""

    requests_per_s: float
    requests: int
    seconds: float
    errors: int = 0
    non_2xx_3xx: int = 0
    latency_ms: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def choose_tool(preferred: str = "auto") -> str:
    """``wrk`` if it is installed (and allowed), else ``python``."""
    if preferred == "python":
        return "python"
    if WRK:
        return "wrk"
    if preferred == "wrk":
        raise SystemExit("wrk was requested but is not installed (apt-get install wrk)")
    return "python"


def run_load(tool: str, port: int, path: str, seconds: float, concurrency: int,
             headers: dict[str, str] | None = None) -> Measurement:
    """Hammer ``http://127.0.0.1:port/path`` for ``seconds`` with ``concurrency`` connections."""
    if tool == "wrk":
        return _run_wrk(port, path, seconds, concurrency, headers or {})
    return _run_python(port, path, seconds, concurrency, headers or {})


# wrk ------------------------------------------------------------------------------------------

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _to_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(match.group(1)) * _UNITS_MS[match.group(2)] if match else float("nan")


def parse_wrk(output: str, seconds: float) -> Measurement:
    """Read the figures out of ``wrk --latency`` output."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    if not rate or not total:
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    latency = {f"p{percent}": round(_to_ms(value), 3)
               for percent, value in re.findall(r"^\s+(50|90|99)(?:\.\d+)?%\s+(\S+)", output, re.M)}
    return Measurement(
        requests_per_s=float(rate.group(1)),
        requests=int(total.group(1)),
        seconds=round(_to_ms(total.group(2) + total.group(3)) / 1000, 2),
        # Read errors are connections the server closed: gunicorn's sync workers close each one.
        errors=sum(int(socket_errors.group(n)) for n in (1, 3, 4)) if socket_errors else 0,
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        latency_ms=latency,
    )


def _run_wrk(port: int, path: str, seconds: float, concurrency: int, headers: dict) -> Measurement:
    threads = max(1, min(2, concurrency))
    command = [WRK, f"-t{threads}", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--latency",
               "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr or completed.stdout}")
    return parse_wrk(completed.stdout, seconds)


# Python fallback -----------------------------------------------------------------------------

def _run_python(port: int, path: str, seconds: float, concurrency: int, headers: dict) -> Measurement:
    """Threads, each with one keep-alive connection (reopened when the server closes it)."""
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    totals = {"requests": 0, "errors": 0, "bad_status": 0}

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        requests = errors = bad_status = 0
        while True:
            started = time.perf_counter()
            if started >= deadline:
                break
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    bad_status += 1
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
                continue
            mine.append(time.perf_counter() - started)
            requests += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            totals["requests"] += requests
            totals["errors"] += errors
            totals["bad_status"] += bad_status

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=seconds + 30)
    elapsed = time.perf_counter() - started
    latencies.sort()

    def percentile(share: float) -> float:
        if not latencies:
            return float("nan")
        return round(latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000, 3)

    return Measurement(
        requests_per_s=round(totals["requests"] / elapsed, 2),
        requests=totals["requests"],
        seconds=round(elapsed, 2),
        errors=totals["errors"],
        non_2xx_3xx=totals["bad_status"],
        latency_ms={"p50": percentile(0.50), "p90": percentile(0.90), "p99": percentile(0.99)},
    )
