"""What the per-request shortcuts taken for speed must never change: the language in force
(``academy.i18n``) and the server-side session checks on every request (``accounts.sessions``)."""
from __future__ import annotations

from flask import render_template_string, session
from flask_babel import force_locale, gettext, lazy_gettext, refresh

from academy.accounts.models import UserSession
from academy.i18n import current_language


def _page(text: str = "Sign in") -> str:
    return render_template_string("{{ _(text) }}", text=text)


def test_forced_locale_translates_templates_and_code_then_gives_the_page_back(app):
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert (_page(), gettext("Sign in"), current_language()) == ("Se connecter", "Se connecter", "fr")
        with force_locale("es"):  # a mail in the recipient's language, in the middle of a page
            assert (_page(), gettext("Sign in"), str(lazy_gettext("Sign in"))) == ("Iniciar sesión",) * 3
            assert current_language() == "es"
        assert (_page(), gettext("Sign in"), current_language()) == ("Se connecter", "Se connecter", "fr")


def test_language_changed_and_refreshed_within_a_request_is_used_at_once(app):
    with app.test_request_context("/"):
        assert _page() == "Sign in" and current_language() == "en"
        session["lang"] = "es"
        refresh()
        assert (_page(), gettext("Sign in"), current_language()) == ("Iniciar sesión", "Iniciar sesión", "es")


def test_each_request_picks_its_own_language(client):
    english = client.get("/sign-in", headers={"Accept-Language": "en"}).get_data(as_text=True)
    french = client.get("/sign-in", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'lang="en"' in english and 'lang="fr"' in french and "Se connecter" in french


def test_cookie_is_not_reissued_on_every_page_yet_revocation_takes_effect_at_once(client, make, login_as, db):
    user = make.trainee()
    login_as(user)
    client.get("/profile")  # the first page may add a CSRF token to the cookie
    response = client.get("/profile")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers  # nothing in the cookie changed
    assert response.headers["Cache-Control"] == "no-store"
    db.session.execute(db.delete(UserSession).where(UserSession.user_id == user.id))
    db.session.commit()
    response = client.get("/profile")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
