"""Rate-limit counters live in Redis when configured, so every worker shares them."""
from __future__ import annotations

import os
import uuid

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_url():
    if not _redis_answers():
        if os.environ.get("CI"):
            pytest.fail(f"Redis does not answer at {REDIS_URL}; CI starts it in .ci/run")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    return REDIS_URL


def test_two_workers_share_the_sign_in_limit_through_redis(make_app, redis_url):
    settings = dict(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_url,
                    RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}", RATELIMIT_SIGN_IN="2 per minute")
    first_worker, second_worker = make_app(**settings), make_app(**settings)
    attempt = {"email": "nobody@example.org", "password": "not the right password"}
    assert first_worker.test_client().post("/sign-in", data=attempt).status_code == 400
    assert second_worker.test_client().post("/sign-in", data=attempt).status_code == 400
    refused = first_worker.test_client().post("/sign-in", data=attempt, headers={"Accept-Language": "es"})
    assert refused.status_code == 429
    assert "Demasiadas solicitudes" in refused.get_data(as_text=True)


def test_memory_storage_is_the_default_for_a_single_machine(make_app):
    assert make_app().config["RATELIMIT_STORAGE_URI"] == "memory://"
