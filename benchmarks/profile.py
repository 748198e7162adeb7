"""``python -m benchmarks.profile PATH [PATH …]``: where the time of a page goes, with cProfile.

Builds the benchmark dataset, signs the benchmark admin in (``--anonymous`` to stay signed out),
serves PATH through Flask's test client ``--requests`` times and prints the CPU time per request
(unprofiled; CPU time, unlike throughput, barely moves when other programs share the machine),
then the functions that take the most cumulative time under cProfile. No server and no load
generator: this isolates the application's own work. ``--cpu-only`` skips the profile.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import tempfile
import time
from pathlib import Path

from .dataset import LEARNING, Sizes, build_dataset


def cpu_ms_per_request(client, path: str, requests: int, rounds: int = 3) -> float:
    """The least CPU time one request took on average over ``rounds`` rounds, in milliseconds."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(requests):
            client.get(path)
        best = min(best, (time.process_time() - started) / requests * 1000)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="pages to profile, e.g. /admin/organisations/")
    parser.add_argument("--requests", type=int, default=300, help="requests per page (default 300)")
    parser.add_argument("--anonymous", action="store_true", help="do not sign in")
    parser.add_argument("--trainee", action="store_true",
                        help="sign in as the learning benchmark's trainee (adds a smaller learning dataset: "
                             "500 trainees, 50 modules, 50,000 progress rows)")
    parser.add_argument("--top", type=int, default=35, help="rows of the profile to print")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (cumulative, tottime…)")
    parser.add_argument("--cpu-only", action="store_true", help="print CPU time per request, no profile")
    args = parser.parse_args(argv)

    os.environ.setdefault("SECRET_KEY", "benchmark-secret-key-not-for-production")
    from academy import create_app
    from academy.accounts.models import User, UserSession, hash_token
    from academy.extensions import db

    with tempfile.TemporaryDirectory(prefix="academy-profile-") as temp:
        sizes = Sizes(**{**LEARNING, "trainees": 500, "lesson_progress": 50_000}) if args.trainee else Sizes()
        dataset = build_dataset(Path(temp), sizes)
        app = create_app({"SQLALCHEMY_DATABASE_URI": dataset.url, "RATELIMIT_ENABLED": False})
        client = app.test_client()
        if not args.anonymous:
            with app.app_context():
                email = dataset.facts["trainee_email" if args.trainee else "admin_email"]
                admin = db.session.scalar(db.select(User).where(User.email == email))
                token = secrets.token_urlsafe(32)
                db.session.add(UserSession(user_id=admin.id, token_hash=hash_token(token)))
                db.session.commit()
            with client.session_transaction() as session:
                session["_user_id"] = token
                session["_fresh"] = True
        for path in args.paths:
            status = client.get(path).status_code  # warm-up; also shows the page answers
            print(f"{path}: status {status}, {cpu_ms_per_request(client, path, args.requests):.2f} ms "
                  f"of CPU per request (best of 3 rounds of {args.requests})")
            if args.cpu_only:
                continue
            profiler = cProfile.Profile()
            started = time.perf_counter()
            profiler.enable()
            for _ in range(args.requests):
                client.get(path)
            profiler.disable()
            elapsed = time.perf_counter() - started
            print(f"\n=== {path}: status {status}, {args.requests} requests, "
                  f"{elapsed / args.requests * 1000:.2f} ms each (profiled) ===")
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
        with app.app_context():
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
