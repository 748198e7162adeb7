"""Demo people: an administrator, coordinators, trainers and trainees, all with the demo password."""
from __future__ import annotations

from ..accounts.models import Role, User, UserRole
from ..accounts.passwords import hash_password, verify_password
from ..db_types import utcnow
from ..extensions import db
from .seed import SignIn

ADMIN, COORDINATOR, TRAINER, TRAINEE = Role.ADMIN, Role.COORDINATOR, Role.TRAINER, Role.TRAINEE

#: (e-mail, display name, roles, organisation short name or None, preferred language)
PEOPLE = (
    ("admin@academy.example", "Ingrid Solberg", (ADMIN,), None, "en"),
    ("coordinator1@academy.example", "Kwame Mensah", (COORDINATOR,), "BPP", "en"),
    ("coordinator2@academy.example", "Lucía Fernández", (COORDINATOR,), "PCS", "es"),
    ("trainer1@academy.example", "Jonas Weber", (TRAINER,), "FSDD", "en"),
    ("trainer2@academy.example", "Aïssatou Ndiaye", (TRAINER,), "FAS", "fr"),
    ("trainee1@academy.example", "Ama Owusu", (TRAINEE,), "BPP", "en"),
    ("trainee2@academy.example", "Layla Haddad", (TRAINEE,), "OGPP", "ar"),
    ("trainee3@academy.example", "Mateo Rojas", (TRAINEE,), "MCP", "es"),
    ("trainee4@academy.example", "Siti Rahman", (TRAINEE,), "MSD", "en"),
)

#: Shown instead of the password for an account whose password someone has changed.
CHANGED = "(changed since seeding)"


def seed_people(seed) -> None:
    """Create each demo person who is missing and list everyone's sign-in."""
    emails = [email for email, *_rest in PEOPLE]
    existing = {user.email: user for user in db.session.scalars(db.select(User).where(User.email.in_(emails)))}
    now = utcnow()
    for email, display_name, roles, short_name, language in PEOPLE:
        user = existing.get(email)
        if user is None:
            organisation = seed.organisations[short_name] if short_name else None
            user = User(email=email, display_name=display_name, preferred_language=language,
                        organisation_id=organisation.id if organisation else None,
                        password_hash=hash_password(seed.password), password_changed_at=now,
                        roles=[UserRole(role=role) for role in roles])
            db.session.add(user)
            seed.created["users"] += 1
            password = seed.password
        else:
            # Report honestly when an earlier run (or a person) set another password.
            password = seed.password if verify_password(user.password_hash, seed.password) else CHANGED
        seed.users[email] = user
        seed.sign_ins.append(SignIn(email=email, roles=tuple(sorted(user.role_names)), password=password))
    db.session.flush()
