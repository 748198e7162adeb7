"""Deny by default, checked over the whole URL map.

Every endpoint must declare who may reach it; an undeclared one answers 403. The matrix test
requests every route of the URL map as an anonymous visitor and as a user of each role and
checks the answer against the declared rule, so routes added later are covered without writing
a line here — unless they take a URL parameter this file does not know yet (see
``URL_PARAMETERS``).
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask import url_for

from academy import create_app
from academy.access import AccessRule, rule_for
from academy.accounts.models import Role, User
from academy.organisations.models import Organisation, Region

ROLES = (Role.TRAINEE, Role.TRAINER, Role.COORDINATOR, Role.ADMIN)
REDIRECTS = (301, 302, 303, 307, 308)
IGNORED_METHODS = {"HEAD", "OPTIONS"}


@dataclass
class Samples:
    """One of each object that URLs point at, tied to the visitors the way real data would be:
    the coordinator belongs to the organisation, the trainer teaches the module, the trainee
    studies it (and has started its quiz)."""

    visitors: dict[Role, User]
    region: Region
    organisation: Organisation
    #: A trainee of ``organisation`` whom user pages are about (none of the visitors).
    person: User
    module: object
    lesson: object
    material: object
    enrolment: object
    attempt: object
    live_session: object
    #: Made on first use (issuing one costs a PDF render): see ``_sample_certificate``.
    certificate: object | None = None
    #: Made on first use: an open edition of ``module`` and a submitted nomination of ``organisation``.
    edition: object | None = None
    nomination: object | None = None


#: How to fill each URL parameter. A route with a parameter missing here fails the matrix test:
#: add the name with a function that returns a value pointing at a sample object.
URL_PARAMETERS = {
    "region_id": lambda samples: samples.region.id,
    "organisation_id": lambda samples: samples.organisation.id,
    "user_id": lambda samples: samples.person.id,
    "module_id": lambda samples: samples.module.id,
    "lesson_id": lambda samples: samples.lesson.id,
    "material_id": lambda samples: samples.material.id,
    "enrolment_id": lambda samples: samples.enrolment.id,
    "attempt_id": lambda samples: samples.attempt.id,
    "session_id": lambda samples: samples.live_session.id,
    "token": lambda samples: secrets.token_urlsafe(32),
    "code": lambda samples: secrets.token_hex(8),
    "filename": lambda samples: "css/academy.css",
    "certificate_id": lambda samples: _sample_certificate(samples),
    "edition_id": lambda samples: _sample_edition(samples).id,
    "nomination_id": lambda samples: _sample_nomination(samples).id,
}


def _sample_edition(samples):
    """An open edition of the sample module (made once per test)."""
    from tests import factories

    if samples.edition is None:
        samples.edition = factories.edition(modules=[samples.module])
    return samples.edition


def _sample_nomination(samples):
    """A submitted nomination of the sample organisation, made by the sample coordinator."""
    from tests import factories

    if samples.nomination is None:
        samples.nomination = factories.nomination(
            _sample_edition(samples), samples.organisation, status="submitted",
            nominated_by_id=samples.visitors[Role.COORDINATOR].id)
    return samples.nomination


def _sample_certificate(samples) -> int:
    """The sample trainee's certificate for the sample enrolment (issued once per test)."""
    from tests import factories

    if samples.certificate is None:
        samples.certificate = factories.certificate(samples.enrolment)
    return samples.certificate.id


#: Endpoints where a holder of the declared role may still be refused (403) because of an
#: object-level check on the sample objects, with the reason. Keep this short.
OBJECT_LEVEL_REFUSALS: dict[str, str] = {
    "curriculum.download_material": "only the module's trainers, admins and enrolled trainees get its files",
    "learning.module": "only the module's trainers, admins and enrolled trainees open it",
    "learning.lesson": "only the module's trainers, admins and enrolled trainees open its lessons",
    "learning.handbook": "only the module's trainers, admins and enrolled trainees get its handbook",
    "live.session_ics": "only the module's trainers, admins and enrolled trainees see its sessions",
}


#: Public endpoints whose own answer, for a visitor with nothing pending, is the sign-in page.
SENDS_TO_SIGN_IN: dict[str, str] = {
    "accounts.sign_in_code": "the code step of signing in comes after the password step",
}


def _routes() -> list[tuple[str, str, str]]:
    """(method, endpoint, rule) for every route of the application, read at collection time."""
    application = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    routes = []
    for rule in application.url_map.iter_rules():
        for method in sorted(rule.methods - IGNORED_METHODS):
            routes.append((method, rule.endpoint, rule.rule))
    return sorted(routes, key=lambda route: (route[1], route[0], route[2]))


os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
ROUTES = _routes()


def _route_id(route: tuple[str, str, str]) -> str:
    method, endpoint, rule = route
    return f"{method} {endpoint} {rule}"


@pytest.fixture
def samples(make) -> Samples:
    from academy.extensions import db
    from academy.learning.operations import start_attempt
    from academy.learning.quiz import load_quiz

    region = make.region()
    organisation = make.organisation(region=region)
    visitors = {
        Role.TRAINEE: make.trainee(organisation=organisation),
        Role.TRAINER: make.trainer(),
        Role.COORDINATOR: make.coordinator(organisation),
        Role.ADMIN: make.admin(),
    }
    module = make.module(trainers=[visitors[Role.TRAINER]])
    lesson = make.lesson(module)
    make.quiz(module)
    enrolment = make.enrolment(visitors[Role.TRAINEE], module)
    attempt = start_attempt(enrolment, load_quiz(module.id))
    db.session.commit()
    return Samples(
        visitors=visitors, region=region, organisation=organisation,
        person=make.trainee(organisation=organisation),
        module=module, lesson=lesson, material=make.material(lesson), enrolment=enrolment,
        attempt=attempt, live_session=make.live_session(module),
    )


@pytest.fixture
def visitors(make_app, login_as, samples) -> dict:
    """A test client per visitor: anonymous, then one signed-in user per role (admin last).

    The clients belong to an application of their own: requests to the ``app`` fixture's
    application share its pushed context, and with it Flask-Login's cached ``g._login_user``,
    so the second visitor would be served as the first.
    """
    serving = make_app()
    clients = {"anonymous": (None, serving.test_client())}
    for role in ROLES:
        user = samples.visitors[role]
        clients[role.value] = (user, login_as(user, on_client=serving.test_client()))
    return clients


def _url_for_route(app, endpoint: str, rule: str, samples: Samples) -> str:
    werkzeug_rule = next(item for item in app.url_map.iter_rules(endpoint) if item.rule == rule)
    values = {}
    for name in sorted(werkzeug_rule.arguments):
        if name not in URL_PARAMETERS:
            pytest.fail(
                f"Route {rule} ({endpoint}) takes the URL parameter {name!r}, which the access "
                f"matrix does not know. Add {name!r} to URL_PARAMETERS in tests/test_access.py "
                "(a function returning a value that points at a sample object).",
                pytrace=False,
            )
        values[name] = URL_PARAMETERS[name](samples)
    with app.test_request_context():
        return url_for(endpoint, **values)


def _sign_in_path(app) -> str:
    with app.test_request_context():
        return url_for("accounts.sign_in")


def _is_sign_in_redirect(response, sign_in_path: str) -> bool:
    return (response.status_code in REDIRECTS
            and urlsplit(response.headers.get("Location", "")).path == sign_in_path)


def _request(client, method: str, url: str):
    return client.open(url, method=method, data={} if method != "GET" else None)


# --- every endpoint declares a rule ----------------------------------------------------------

def test_every_endpoint_declares_who_may_reach_it(app):
    undeclared = sorted(rule.endpoint for rule in app.url_map.iter_rules()
                        if not isinstance(rule_for(rule.endpoint), AccessRule))
    assert undeclared == [], (
        "These endpoints declare no access rule; add @public, @signed_in or @roles_required(...) "
        f"below the route decorator: {undeclared}"
    )


def test_the_matrix_covers_every_route(app):
    assert ROUTES, "the URL map is empty"
    assert {endpoint for _, endpoint, _ in ROUTES} == {rule.endpoint for rule in app.url_map.iter_rules()}


# --- deny by default -------------------------------------------------------------------------

def test_an_undeclared_route_is_refused_to_everyone(make_app, make, login_as):
    application = make_app()
    application.add_url_rule("/undeclared-test-route", "undeclared", lambda: "secret content",
                             methods=["GET", "POST"])
    anonymous = application.test_client()
    admin = login_as(make.admin(), on_client=application.test_client())

    for client in (anonymous, admin):
        for method in ("GET", "POST"):
            response = client.open("/undeclared-test-route", method=method)
            assert response.status_code == 403, (method, response.status_code)
            assert b"secret content" not in response.data


# --- the matrix: every route × every kind of visitor -----------------------------------------

@pytest.mark.parametrize("route", ROUTES, ids=_route_id)
def test_access_matrix(route, app, visitors, samples):
    method, endpoint, rule_text = route
    rule = rule_for(endpoint)
    assert isinstance(rule, AccessRule), f"{endpoint} declares no access rule"
    url = _url_for_route(app, endpoint, rule_text, samples)
    sign_in_path = _sign_in_path(app)

    def admitted(response) -> bool:
        if response.status_code in (401, 403):
            return False
        # Only GETs are turned away by a redirect to the sign-in page; after a POST (sign-out,
        # a password change) that redirect is the view's own answer.
        return (method != "GET" or endpoint in SENDS_TO_SIGN_IN
                or not _is_sign_in_redirect(response, sign_in_path))

    failures = []
    for visitor, (user, client) in visitors.items():
        response = _request(client, method, url)
        status = response.status_code
        what = f"{visitor}: {method} {url} answered {status} {response.headers.get('Location', '')}".rstrip()
        if status >= 500:
            failures.append(f"{what} (a server error, never acceptable)")
        elif user is None and not rule.public:
            expected_refusal = (_is_sign_in_redirect(response, sign_in_path) if method == "GET"
                                else status == 401)
            if not expected_refusal:
                expected = "a redirect to the sign-in page" if method == "GET" else "401"
                failures.append(f"{what}; {rule.describe()} expects {expected}")
        elif rule.admits(user if user is not None else _Anonymous()):
            if not admitted(response) and not (status == 403 and endpoint in OBJECT_LEVEL_REFUSALS):
                failures.append(f"{what}; {rule.describe()} admits this visitor")
        elif status != 403:
            failures.append(f"{what}; {rule.describe()} expects 403")
    assert not failures, f"{endpoint} ({rule.describe()}):\n  " + "\n  ".join(failures)


class _Anonymous:
    is_authenticated = False
    role_names = frozenset()
