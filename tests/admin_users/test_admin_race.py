"""The academy always keeps an administrator, even when two admins act on each other at once.

Each request's access check passes at its start; the change itself then locks both accounts
and reads again whether its actor is still an administrator (``accounts.operations.hold_admin_power``).
The interleaving is made deterministic: while admin A's request is inside the operation (its
access check already passed), admin B's request runs to completion; A's change is then refused.
"""
import pytest

from academy.accounts.models import Role, User, UserRole
from academy.admin_users import operations

from ..fixtures_auth import sign_in_client


def _active_admins(db) -> int:
    return db.session.scalar(
        db.select(db.func.count()).select_from(User)
        .where(User.is_active.is_(True), User.roles.any(UserRole.role == Role.ADMIN)))


def _assert_refused(response) -> None:
    assert response.status_code == 409
    assert "Another administrator has just taken away your administrator role" in response.get_data(as_text=True)


def _edit_data(user, roles):
    return {"display_name": user.display_name, "preferred_language": user.preferred_language,
            "organisation_id": str(user.organisation_id or ""), "roles": roles}


def _interleave(monkeypatch, name, other_request, module=operations):
    """Run ``other_request`` inside the first call of ``<module>.<name>``, before it writes."""
    original = getattr(module, name)
    state = {"done": False}

    def wrapped(*args, **kwargs):
        if not state["done"]:
            state["done"] = True
            state["response"] = other_request()
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)
    return state


def test_two_admins_demoting_each_other_at_once_leave_one(make, db, web, monkeypatch):
    admin_a = make.user(Role.ADMIN, Role.TRAINER)
    admin_b = make.user(Role.ADMIN, Role.TRAINER)
    client_a, client_b = web.test_client(), web.test_client()
    sign_in_client(client_a, admin_a)
    sign_in_client(client_b, admin_b)
    assert _active_admins(db) == 2

    state = _interleave(monkeypatch, "update_user",
                        lambda: client_b.post(f"/admin/users/{admin_a.id}", data=_edit_data(admin_a, ["trainer"])))
    response_a = client_a.post(f"/admin/users/{admin_b.id}", data=_edit_data(admin_b, ["trainer"]))

    assert state["response"].status_code == 302  # B, first, demotes A
    _assert_refused(response_a)
    db.session.expire_all()
    assert _active_admins(db) == 1 and db.session.get(User, admin_b.id).has_role(Role.ADMIN)


def test_two_admins_disabling_each_other_at_once_leave_one(make, db, web, monkeypatch):
    admin_a = make.admin()
    admin_b = make.admin()
    client_a, client_b = web.test_client(), web.test_client()
    sign_in_client(client_a, admin_a)
    sign_in_client(client_b, admin_b)

    state = _interleave(monkeypatch, "disable_user",
                        lambda: client_b.post(f"/admin/users/{admin_a.id}/disable"))
    response_a = client_a.post(f"/admin/users/{admin_b.id}/disable")

    assert state["response"].status_code == 302
    _assert_refused(response_a)
    db.session.expire_all()
    assert _active_admins(db) == 1 and db.session.get(User, admin_b.id).is_active


def test_an_admin_deleting_the_other_while_being_demoted_is_refused(make, db, web, monkeypatch):
    """B demotes A while A deletes B's account: A's deletion is refused, B stays."""
    from academy.accounts import erasure

    admin_a = make.user(Role.ADMIN, Role.TRAINER)
    admin_b = make.user(Role.ADMIN, Role.TRAINER)
    client_a, client_b = web.test_client(), web.test_client()
    sign_in_client(client_a, admin_a)
    sign_in_client(client_b, admin_b)

    state = _interleave(monkeypatch, "erase_account",
                        lambda: client_b.post(f"/admin/users/{admin_a.id}", data=_edit_data(admin_a, ["trainer"])),
                        module=erasure)
    response_a = client_a.post(f"/admin/users/{admin_b.id}/erase", data={"email": admin_b.email})

    assert state["response"].status_code == 302
    _assert_refused(response_a)
    db.session.expire_all()
    assert _active_admins(db) == 1 and db.session.get(User, admin_b.id) is not None


@pytest.mark.parametrize("path, name", [("/enable", "enable_user"), ("/invitation", "resend_invitation")])
def test_every_admin_change_is_refused_once_the_role_is_gone(make, db, web, monkeypatch, path, name):
    admin_a, admin_b = make.admin(), make.admin()
    invited = {"password": None} if name == "resend_invitation" else {}  # one who has not accepted yet
    target = make.trainee(is_active=name != "enable_user", **invited)
    client_a, client_b = web.test_client(), web.test_client()
    sign_in_client(client_a, admin_a)
    sign_in_client(client_b, admin_b)

    state = _interleave(monkeypatch, name, lambda: client_b.post(f"/admin/users/{admin_a.id}/disable"))
    response_a = client_a.post(f"/admin/users/{target.id}{path}")

    assert state["response"].status_code == 302
    _assert_refused(response_a)
