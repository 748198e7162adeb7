"""The house itself: home page, health check, headers, language switch, error pages."""


def test_home_page_renders_for_anonymous_visitors(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Activist Academy" in response.data


def test_healthz_reports_ok_when_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_strict_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_unknown_page_gives_translated_404(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "fr"})
    assert response.status_code == 404


def test_admin_page_redirects_anonymous_visitor_to_sign_in(client):
    response = client.get("/admin/users/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_admin_page_refuses_a_trainee(client, make, login_as):
    login_as(make.trainee())
    assert client.get("/admin/users/").status_code == 403


def test_lazy_translated_strings_are_escaped_in_templates(app):
    from flask import render_template_string
    from flask_babel import lazy_gettext

    with app.test_request_context("/"):
        message = lazy_gettext("Hello %(name)s", name="<script>alert(1)</script>")
        html = render_template_string("<p>{{ message }}</p><p>{{ [message] | map('string') | join(' ') }}</p>",
                                      message=message)
    assert "<script>" not in html
    assert html.count("&lt;script&gt;") == 2


def test_home_page_offers_each_role_its_own_way_in(make, make_app, login_as):
    served = make_app().test_client()
    login_as(make.trainee(), on_client=served)
    page = served.get("/").get_data(as_text=True)
    assert "/learn/" in page and "/admin/users/" not in page

    served = make_app().test_client()
    login_as(make.admin(), on_client=served)
    page = served.get("/").get_data(as_text=True)
    assert "/admin/users/" in page and "/admin/audit/" in page


def test_healthz_answers_503_when_the_database_does_not(make_app, tmp_path):
    broken = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'missing-folder' / 'academy.db'}")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] != "ok"


def test_a_long_select_writes_the_same_options_as_wtforms_with_escaping(app):
    from wtforms import Form, SelectChoice, SelectField, SelectMultipleField
    from wtforms.widgets import Select

    from academy.core.forms import LongSelect

    choices = [SelectChoice("", "Any"), SelectChoice("1", 'Partido "Verde" & <Co>'), SelectChoice("2", "حزب العمل")]

    class Plain(Form):
        one = SelectField(choices=choices)
        many = SelectMultipleField(choices=choices, widget=Select(multiple=True))

    class Long(Form):
        one = SelectField(choices=choices, widget=LongSelect())
        many = SelectMultipleField(choices=choices, widget=LongSelect(multiple=True))

    data = {"one": "1", "many": ["1", "2"]}
    plain, long = Plain(data=data), Long(data=data)
    assert str(long.one()) == str(plain.one())
    assert str(long.many()) == str(plain.many())
    assert "&lt;Co&gt;" in str(long.one()) and 'selected value="1"' in str(long.one())


def test_dates_and_times_in_tables_name_the_month_in_the_reader_s_language(app):
    """11/29/26 is the 11th of month 29 outside the United States: the month is named."""
    from datetime import datetime, timezone

    from flask_babel import refresh

    from academy.i18n import format_moment

    moment = datetime(2026, 11, 29, 9, 5, tzinfo=timezone.utc)
    expected = {"en": "Nov 29, 2026, 9:05\u202fAM", "fr": "29 nov. 2026, 09:05", "es": "29 nov 2026, 9:05",
                "ar": "29\u200f/11\u200f/2026، 9:05 ص"}
    for language, text in expected.items():
        with app.test_request_context(headers={"Accept-Language": language}):
            refresh()  # the test's application context would keep the first language
            assert format_moment(moment) == text, language
