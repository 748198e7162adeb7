"""What administrators do to accounts: invite, edit, disable, enable, resend an invitation,
reset two-step verification.

Every function first makes sure its actor is still an administrator, holding the accounts
concerned (``accounts.operations.hold_admin_power``); then it flushes, audits and queues
e-mail; the view commits.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..accounts import two_factor
from ..accounts.models import Role, TokenPurpose, User, UserRole
from ..accounts.operations import hold_admin_power, normalise_email
from ..accounts.sessions import end_all_sessions
from ..accounts.tokens import absolute_url, issue_token, lifetime, revoke_tokens
from ..audit.operations import record
from ..extensions import db
from ..live.operations import revoke_feed
from ..outbox.operations import queue_mail


def invite_user(actor: User, *, email: str, display_name: str, preferred_language: str,
                organisation_id: int | None, roles: set[Role]) -> User:
    """Create an account without a password and e-mail its owner an invitation link."""
    hold_admin_power(actor)
    user = User(email=normalise_email(email), display_name=display_name,
                preferred_language=preferred_language, organisation_id=organisation_id,
                roles=[UserRole(role=role) for role in sorted(roles, key=_role_order)])
    db.session.add(user)
    db.session.flush()
    _send_invitation(user)
    record("user.invite", actor=actor, target=user, roles=_role_values(roles),
           organisation_id=organisation_id)
    return user


def resend_invitation(actor: User, user: User) -> None:
    """Send a fresh invitation link; the earlier ones stop working."""
    hold_admin_power(actor, user)
    _send_invitation(user)
    record("user.invitation_resent", actor=actor, target=user)


def update_user(actor: User, user: User, *, display_name: str, preferred_language: str,
                organisation_id: int | None, roles: set[Role]) -> dict:
    """Change an account's name, language, organisation and roles; return what changed."""
    hold_admin_power(actor, user)
    changes = {name: [getattr(user, name), value] for name, value in (
        ("display_name", display_name), ("preferred_language", preferred_language),
        ("organisation_id", organisation_id)) if getattr(user, name) != value}
    user.display_name = display_name
    user.preferred_language = preferred_language
    user.organisation_id = organisation_id
    held = {user_role.role for user_role in user.roles}
    if held != roles:
        changes["roles"] = [_role_values(held), _role_values(roles)]
        # Remove and add only the difference: a role's row is keyed by (user, role).
        user.roles = [user_role for user_role in user.roles if user_role.role in roles]
        user.roles.extend(UserRole(role=role) for role in sorted(roles - held, key=_role_order))
    db.session.flush()
    if changes:
        record("user.update", actor=actor, target=user, changes=changes)
    return changes


def disable_user(actor: User, user: User) -> int:
    """Close an account: it cannot sign in, its sessions, links and calendar feed end for good
    (enabling it again brings none of them back); return sessions ended."""
    hold_admin_power(actor, user)
    user.is_active = False
    ended = end_all_sessions(user)
    revoke_tokens(user)
    feed_revoked = revoke_feed(user, actor=actor)
    db.session.flush()
    record("user.disable", actor=actor, target=user, ended_sessions=ended, calendar_feed_revoked=feed_revoked)
    return ended


def enable_user(actor: User, user: User) -> None:
    """Reopen a closed account (and lift any sign-in lock)."""
    hold_admin_power(actor, user)
    user.is_active = True
    user.unlock()
    db.session.flush()
    record("user.enable", actor=actor, target=user)


def unlock_user(actor: User, user: User) -> None:
    """Lift the sign-in lock of an active account (someone kept typing wrong passwords for it);
    its sessions go on."""
    hold_admin_power(actor, user)
    user.unlock()
    db.session.flush()
    record("user.unlock", actor=actor, target=user)


def reset_two_factor(actor: User, user: User, reason: str) -> int:
    """Turn off ``user``'s two-step verification (lost phone) and end their sessions; return how
    many ended. The person is told by e-mail and sets it up again at their next sign-in."""
    hold_admin_power(actor, user)
    two_factor.disable(user, actor=actor, reason=reason)
    return end_all_sessions(user)


def _send_invitation(user: User) -> None:
    token = issue_token(user, TokenPurpose.INVITATION)
    queue_mail(user.email, user.preferred_language, _l("Your invitation to the Activist Academy"),
               "account_invitation", name=user.display_name,
               link=absolute_url("accounts.accept_invitation", token=token),
               days=lifetime(TokenPurpose.INVITATION).days)


def _role_order(role: Role) -> int:
    return list(Role).index(role)


def _role_values(roles) -> list[str]:
    return [role.value for role in sorted(roles, key=_role_order)]
