"""Factories: build valid objects with as few arguments as the test cares about."""
from __future__ import annotations

import itertools
from functools import lru_cache

from academy.accounts.models import Role, User, UserRole
from academy.accounts.passwords import hash_password
from academy.extensions import db
from academy.organisations.models import Organisation, OrganisationKind, Region

DEFAULT_PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@lru_cache(maxsize=16)
def _cached_hash(password: str) -> str:
    # argon2id at ASVS strength takes tens of milliseconds: hash each test password once.
    return hash_password(password)


def region(code: str | None = None, **fields) -> Region:
    number = next(_counter)
    code = code or f"region-{number}"
    values = dict(code=code, name_en=f"Region {number}", name_fr=f"Région {number}",
                  name_es=f"Región {number}", name_ar=f"المنطقة {number}")
    values.update(fields)
    item = Region(**values)
    db.session.add(item)
    db.session.commit()
    return item


def organisation(**fields) -> Organisation:
    number = next(_counter)
    if "region" not in fields and "region_id" not in fields:
        fields["region"] = region()
    values = dict(name=f"Party of Test {number}", short_name=f"PT{number}", country="SE",
                  kind=OrganisationKind.PARTY)
    values.update(fields)
    item = Organisation(**values)
    db.session.add(item)
    db.session.commit()
    return item


def user(*roles: Role, email: str | None = None, password: str | None = DEFAULT_PASSWORD,
         **fields) -> User:
    number = next(_counter)
    values = dict(email=email or f"person{number}@example.org", display_name=f"Person {number}",
                  preferred_language="en")
    values.update(fields)
    values["email"] = values["email"].lower()
    item = User(**values)
    item.password_hash = _cached_hash(password) if password else None
    item.roles = [UserRole(role=role) for role in roles]
    db.session.add(item)
    db.session.commit()
    return item


def admin(**fields) -> User:
    return user(Role.ADMIN, **fields)


def coordinator(organisation_=None, **fields) -> User:
    return user(Role.COORDINATOR, organisation=organisation_ or organisation(), **fields)


def trainer(**fields) -> User:
    return user(Role.TRAINER, **fields)


def trainee(**fields) -> User:
    return user(Role.TRAINEE, **fields)
