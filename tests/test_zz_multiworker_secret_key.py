"""Multi-worker audit: gunicorn workers starting at once on a fresh instance folder agree on one
SECRET_KEY (``config.load_secret_key``).

The first worker creates ``instance/secret_key`` with O_EXCL and only then writes the key into it;
a second worker that finds the file in between reads it empty and runs with ``SECRET_KEY == ""``
for its whole life (no session, no CSRF token, and two-step secrets keyed from nothing).
"""
from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from academy.config import load_secret_key


@pytest.fixture
def no_secret_key_in_env(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)


def test_a_worker_that_finds_the_key_file_just_created_does_not_run_with_an_empty_key(tmp_path,
                                                                                   no_secret_key_in_env):
    # What the second worker sees between the first one's os.open(O_CREAT | O_EXCL) and its write.
    (tmp_path / "secret_key").touch(mode=0o600)
    assert load_secret_key(tmp_path) != ""


def _start_worker(instance: str, barrier, results) -> None:
    barrier.wait()
    results.put(load_secret_key(Path(instance)))


def test_two_workers_starting_together_on_a_fresh_instance_get_the_same_nonempty_key(tmp_path,
                                                                                    no_secret_key_in_env):
    context = multiprocessing.get_context("fork")
    outcomes = []
    for trial in range(40):
        instance = tmp_path / f"instance-{trial}"
        instance.mkdir()
        barrier, results = context.Barrier(2), context.Queue()
        workers = [context.Process(target=_start_worker, args=(str(instance), barrier, results)) for _ in range(2)]
        for worker in workers:
            worker.start()
        keys = [results.get(timeout=30) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)
        outcomes.append(keys)
    bad = [keys for keys in outcomes if "" in keys or len(set(keys)) != 1]
    assert not bad, f"{len(bad)} of {len(outcomes)} starts left a worker with SECRET_KEY={bad[0]!r}"
