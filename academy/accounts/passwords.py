"""Password hashing with argon2id at the OWASP ASVS 5.0 strength, and the password policy."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 128

#: 30,000 leaked passwords from zxcvbn (see COMMON_PASSWORDS_LICENSE.txt).
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


def _hasher() -> PasswordHasher:
    config = current_app.config
    return _hasher_for(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"],
                       config["ARGON2_PARALLELISM"])


@lru_cache(maxsize=4)
def _hasher_for(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost,
                          parallelism=parallelism, type=Type.ID)


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` with the configured cost."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; False for a missing or malformed hash."""
    if not password_hash:
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _hasher().check_needs_rehash(password_hash)


@lru_cache(maxsize=4)
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    return _hasher_for(time_cost, memory_cost, parallelism).hash("timing-equaliser-not-a-real-password")


def dummy_verify(password: str) -> None:
    """Spend as long as a real verification, so "no such user" cannot be told from "wrong password".

    The dummy hash is made once per cost setting: hashing it on every call would make the
    unknown-address path twice as slow as the real one, which is itself a timing signal.
    """
    config = current_app.config
    dummy = _dummy_hash(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"],
                        config["ARGON2_PARALLELISM"])
    verify_password(dummy, password)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-case, read once per process."""
    with COMMON_PASSWORDS_FILE.open(encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def password_problems(password: str, *, email: str | None = None, name: str | None = None) -> list[str]:
    """Why ``password`` is refused by the policy (an empty list when it is acceptable).

    ASVS 5.0 level 2: at least 12 characters, long passphrases allowed, no composition rules,
    no common or context-specific passwords.
    """
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_l("Use at least %(count)d characters.", count=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_l("Use at most %(count)d characters.", count=MAX_LENGTH))
    folded = password.strip().casefold()
    if folded in common_passwords():
        problems.append(_l("This password is too common. Please choose another one."))
    personal = {value.strip().casefold() for value in (email, name) if value and value.strip()}
    if email and "@" in email:
        personal.add(email.split("@", 1)[0].strip().casefold())
    if folded in personal:
        problems.append(_l("The password must not be your e-mail address or your name."))
    return problems
