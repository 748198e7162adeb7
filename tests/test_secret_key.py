"""Without SECRET_KEY, gunicorn workers starting at once on a fresh instance folder agree on one
key kept in ``instance/secret_key`` (``config.load_secret_key``), never an empty one."""
from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

import pytest

from academy.config import load_secret_key


@pytest.fixture(autouse=True)
def no_secret_key_in_env(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)


def test_the_key_is_made_once_readable_by_its_owner_only_and_kept(tmp_path):
    key = load_secret_key(tmp_path)
    assert len(key) >= 64
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert load_secret_key(tmp_path) == key
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]


def test_a_key_file_left_empty_stops_the_start_with_a_message(tmp_path):
    (tmp_path / "secret_key").touch(mode=0o600)
    with pytest.raises(RuntimeError, match="is empty"):
        load_secret_key(tmp_path)


def _start_worker(instance: str, barrier, results) -> None:
    barrier.wait()
    results.put(load_secret_key(Path(instance)))


def test_two_workers_starting_together_on_a_fresh_instance_get_the_same_key(tmp_path):
    """The key file used to be created empty, then written: a worker reading it in between ran
    with an empty key (every page with a session answered 500), in about one start in six here."""
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
    assert not bad, f"{len(bad)} of {len(outcomes)} starts left the workers with keys {bad[0]!r}"
