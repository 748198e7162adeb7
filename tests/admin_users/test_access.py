"""Only administrators reach the user administration."""
import pytest

from academy.accounts.models import Role

PAGES = [("get", "/admin/users/"), ("get", "/admin/users/invite"), ("post", "/admin/users/invite"),
         ("get", "/admin/users/{id}"), ("post", "/admin/users/{id}"),
         ("post", "/admin/users/{id}/disable"), ("post", "/admin/users/{id}/enable"),
         ("post", "/admin/users/{id}/invitation")]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.TRAINER, Role.TRAINEE])
def test_non_admins_are_refused_everywhere(client, make, login_as, role, db):
    target = make.trainee(password=None)
    fields = {"organisation": make.organisation()} if role is Role.COORDINATOR else {}
    login_as(make.user(role, **fields))
    for method, path in PAGES:
        response = getattr(client, method)(path.format(id=target.id), data={})
        assert response.status_code == 403, (method, path)
    db.session.refresh(target)
    assert target.is_active


def test_anonymous_visitors_are_sent_to_sign_in_or_refused(client, make):
    target = make.trainee()
    for method, path in PAGES:
        response = getattr(client, method)(path.format(id=target.id), data={})
        assert response.status_code == (302 if method == "get" else 401), (method, path)


def test_forged_user_ids_give_404(client, make, login_as):
    login_as(make.admin())
    for method, path in PAGES[3:]:
        assert getattr(client, method)(path.format(id=987654), data={}).status_code == 404
    assert client.get("/admin/users/not-a-number").status_code == 404
