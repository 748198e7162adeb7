"""``python -m benchmarks``: measure every scenario against the hello-world baseline.

Prints one JSON line per page on stdout (and to ``bench-results/benchmarks.jsonl``), the learning
pages' SQL query counts on small and large data, then a summary line; a readable table goes to
stderr. A missed target is reported, not an error: the exit status is 0 unless the benchmark
itself could not run.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from .dataset import LEARNING, Sizes, build_dataset
from .load import Measurement, choose_tool, run_load
from .querycounts import compare as compare_query_counts
from .report import Report
from .report import log as _log
from .scenarios import ACADEMY, BASELINE, HELLO, SCENARIOS, Scenario
from .servers import PROJECT_ROOT, Gunicorn, get
from .signin import cookie_header, sign_in

#: The app reads its key from the environment; without one it would write instance/secret_key.
BENCH_SECRET_KEY = "benchmark-secret-key-not-for-production"


def _env_number(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 s per page, 1 s warm-up")
    parser.add_argument("--duration", type=float, default=_env_number("BENCH_DURATION", 10),
                        help="seconds measured per page (env BENCH_DURATION; default 10)")
    parser.add_argument("--warmup", type=float, default=_env_number("BENCH_WARMUP", 2),
                        help="seconds of unmeasured load before each page (env BENCH_WARMUP; default 2)")
    parser.add_argument("--concurrency", type=int, default=int(_env_number("BENCH_CONCURRENCY", 8)),
                        help="open connections (env BENCH_CONCURRENCY; default 8)")
    parser.add_argument("--workers", type=int, default=int(_env_number("BENCH_WORKERS", 2)),
                        help="gunicorn sync workers for both apps (env BENCH_WORKERS; default 2)")
    parser.add_argument("--tool", choices=("auto", "wrk", "python"),
                        default=os.environ.get("BENCH_TOOL", "auto"),
                        help="load generator (default: wrk when installed, else Python)")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="measure only this scenario (repeatable); the baseline always runs")
    parser.add_argument("--no-learning", action="store_true",
                        help="skip the learning pages and their big dataset (1,000,000 progress rows)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--output", default=str(PROJECT_ROOT / "bench-results" / "benchmarks.jsonl"),
                        help="also write the JSON lines here ('' for none)")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup = 2, 1
    return args


def _measure(scenario: Scenario, port: int, path: str, headers: dict, args, tool: str) -> Measurement:
    """Check the page answers correctly once, warm it up, then measure it."""
    status, _headers, body = get(port, path, headers)
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status} before measuring")
    if scenario.expect and scenario.expect not in body:
        raise RuntimeError(f"GET {path} did not contain {scenario.expect!r}: wrong page?")
    if args.warmup > 0:
        run_load(tool, port, path, args.warmup, args.concurrency, headers)
    return run_load(tool, port, path, args.duration, args.concurrency, headers)


def _bracketing_baseline(hello_port: int, args, tool: str) -> float:
    """Hello world measured for half the usual time, right next to a page with a target."""
    return run_load(tool, hello_port, BASELINE.url_path({}), max(1, args.duration / 2),
                    args.concurrency).requests_per_s


def _measure_scenarios(scenarios, port: int, hello_port: int, facts: dict, args, tool: str) -> list:
    """Measure each scenario; returns (scenario, path, measurement or None, error or None, local
    baseline or None) in order. Pages with a target are bracketed by hello-world measurements."""
    headers: dict[str, dict[str, str]] = {}  # account → the headers of its signed-in session
    sign_in_errors: dict[str, str] = {}
    for account in dict.fromkeys(s.account for s in scenarios if s.signed_in):
        try:
            jar = sign_in(port, facts[f"{account}_email"], facts[f"{account}_password"],
                          totp_secret=facts.get(f"{account}_totp_secret"))
            headers[account] = {"Cookie": cookie_header(jar)}
        except (RuntimeError, OSError, KeyError) as error:
            sign_in_errors[account] = f"sign-in as {account} failed: {error!r}"
            _log(sign_in_errors[account])
    results = []
    for scenario in scenarios:
        if scenario.signed_in and scenario.account in sign_in_errors:
            results.append((scenario, "-", None, sign_in_errors[scenario.account], None))
            continue
        path = scenario.url_path(facts)
        try:
            local = None
            if scenario.target is not None:
                local = [_bracketing_baseline(hello_port, args, tool)]
            server_port = hello_port if scenario.server == HELLO else port
            measurement = _measure(scenario, server_port, path,
                                   headers[scenario.account] if scenario.signed_in else {}, args, tool)
            if local is not None:
                local.append(_bracketing_baseline(hello_port, args, tool))
                local = sum(local) / len(local)
            _log(f"{scenario.name}: {measurement.requests_per_s:.0f} req/s"
                 + (f" (hello world around it: {local:.0f} req/s)" if local else ""))
            results.append((scenario, path, measurement, None, local))
        except (RuntimeError, OSError) as error:
            _log(f"{scenario.name}: FAILED {error}")
            results.append((scenario, path, None, str(error), None))
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scenarios = [s for s in SCENARIOS if not args.only or s.name in args.only]
    if args.list:
        for scenario in [BASELINE, *SCENARIOS]:
            print(f"{scenario.name:32} {scenario.server:8} target={scenario.target}")
        return 0
    unknown = set(args.only or ()) - {s.name for s in SCENARIOS}
    if unknown:
        _log(f"unknown scenario(s): {', '.join(sorted(unknown))} (see --list)")
        return 2
    if any(s.server not in (ACADEMY, HELLO) for s in scenarios):
        raise SystemExit("a scenario names an unknown server")

    os.environ.setdefault("SECRET_KEY", BENCH_SECRET_KEY)
    started = time.perf_counter()
    tool = choose_tool(args.tool)
    _log(f"load generator: {tool}; {args.concurrency} connections, {args.duration:g} s per page "
         f"after {args.warmup:g} s warm-up; gunicorn {args.workers} sync workers")

    with tempfile.TemporaryDirectory(prefix="academy-bench-") as temp:
        temp_dir = Path(temp)
        # The big learning dataset takes a while to build: only when one of its pages is measured.
        learning = any(s.dataset == "learning" for s in scenarios) and not args.no_learning
        if not learning:
            scenarios = [s for s in scenarios if s.dataset != "learning"]
        dataset = build_dataset(temp_dir, Sizes(**LEARNING) if learning else Sizes())
        _log(f"dataset: {dataset.counts} in {dataset.seconds} s ({dataset.path})")
        query_counts = None
        if learning:
            try:
                query_counts = compare_query_counts(dataset, temp_dir / "small")
            except (RuntimeError, KeyError) as error:
                _log(f"query counts: FAILED {error!r}")
        if query_counts:
            _log(f"learning pages, SQL statements on small vs large data: {query_counts['pages']}")
        env = {"SECRET_KEY": os.environ["SECRET_KEY"], "DATABASE_URL": dataset.url,
               "RATELIMIT_ENABLED": "0", "MAIL_DIR": str(temp_dir / "mail"),
               "UPLOAD_DIR": str(temp_dir / "uploads")}

        # Both apps stay up for the whole run (idle workers cost nothing), so the baseline can
        # be measured first, last, and right around each page that has a target.
        with Gunicorn("benchmarks.hello:app", env, args.workers, temp_dir) as hello, \
                Gunicorn("wsgi:app", env, args.workers, temp_dir) as academy:
            baseline_runs = [_measure(BASELINE, hello.port, BASELINE.url_path({}), {}, args, tool)]
            _log(f"baseline hello world: {baseline_runs[0].requests_per_s:.0f} req/s")
            results = _measure_scenarios(scenarios, academy.port, hello.port, dataset.facts, args, tool)
            # Measured again at the end: the average evens out drift on a shared machine.
            baseline_runs.append(_measure(BASELINE, hello.port, BASELINE.url_path({}), {}, args, tool))
            _log(f"baseline hello world (again): {baseline_runs[1].requests_per_s:.0f} req/s")

    baseline = sum(run.requests_per_s for run in baseline_runs) / len(baseline_runs)
    report = Report()
    common = {"tool": tool, "concurrency": args.concurrency, "duration_s": args.duration}
    report.emit({"benchmark": BASELINE.name, "page": BASELINE.url_path({}), "requests_per_s": round(baseline, 1),
           "baseline_requests_per_s": round(baseline, 1), "ratio": 1.0, "target": None, "met": None,
           **common, "runs_requests_per_s": [run.requests_per_s for run in baseline_runs],
           "latency_ms": baseline_runs[0].latency_ms})
    missed, failed = [], []
    for scenario, path, measurement, error, local_baseline in results:
        line = {"benchmark": scenario.name, "page": path, "signed_in": scenario.signed_in}
        if measurement is None:
            failed.append(scenario.name)
            line.update(requests_per_s=None, baseline_requests_per_s=round(baseline, 1), ratio=None,
                        target=scenario.target, met=False if scenario.target else None, **common,
                        error=error)
        else:
            page_baseline = local_baseline or baseline
            ratio = measurement.requests_per_s / page_baseline if page_baseline else 0.0
            clean = measurement.errors == 0 and measurement.non_2xx_3xx == 0
            met = None if scenario.target is None else (ratio >= scenario.target and clean)
            if met is False:
                missed.append(scenario.name)
            line.update(requests_per_s=round(measurement.requests_per_s, 1),
                        baseline_requests_per_s=round(page_baseline, 1), ratio=round(ratio, 3),
                        target=scenario.target, met=met, **common,
                        baseline_measured="around this page" if local_baseline else "start and end of run",
                        requests=measurement.requests, errors=measurement.errors,
                        non_2xx_3xx=measurement.non_2xx_3xx, latency_ms=measurement.latency_ms)
        report.emit(line)

    if query_counts:
        report.emit(query_counts)
    targets = [s for s, *_rest in results if s.target is not None]
    report.emit({"benchmark": "summary", "pages": len(results), "targets": len(targets),
           "targets_met": len(targets) - len([s for s in targets if s.name in missed + failed]),
           "missed": missed, "failed": failed, "tool": tool,
           "baseline_requests_per_s": round(baseline, 1), "workers": args.workers,
           "concurrency": args.concurrency, "duration_s": args.duration, "dataset": dataset.counts,
           "query_counts_constant": query_counts["met"] if query_counts else None,
           "elapsed_s": round(time.perf_counter() - started, 1)})
    _print_table(report.lines, missed, failed)
    report.write(args.output)
    return 0


def _print_table(lines: list[dict], missed: list[str], failed: list[str]) -> None:
    """A readable table on stderr, with missed targets spelled out."""
    _log("")
    _log(f"{'benchmark':30} {'page':40} {'req/s':>9} {'ratio':>7}  target")
    for line in lines[:-1]:
        if "requests_per_s" not in line:  # not a page (the query counts)
            continue
        rate = "-" if line["requests_per_s"] is None else f"{line['requests_per_s']:.0f}"
        ratio = "-" if line["ratio"] is None else f"{line['ratio']:.3f}"
        verdict = "" if line["target"] is None else (
            f"{line['target']} {'met' if line['met'] else 'MISSED'}")
        _log(f"{line['benchmark']:30} {line['page'][:40]:40} {rate:>9} {ratio:>7}  {verdict}")
    for line in lines:
        if line["benchmark"] == "learning_query_counts":
            _log(f"query counts small vs large: {line['pages']} constant={line['met']}")
    for name in missed:
        _log(f"TARGET MISSED: {name}")
    for name in failed:
        _log(f"NOT MEASURED: {name}")


if __name__ == "__main__":
    sys.exit(main())
