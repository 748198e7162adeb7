"""The module page links the other language versions of a module (same slug) the viewer may read."""
from __future__ import annotations

import re

from academy.curriculum.models import ModuleStatus
from academy.db_types import utcnow
from academy.learning.models import EnrolmentStatus
from tests.querycount import count_queries


def _links(html: str) -> list[tuple[str, str, str, str]]:
    """``(href, lang, hreflang, text)`` of each link of the "Also in" line."""
    match = re.search(r"Also in:(.*?)</p>", html, re.S)
    if match is None:
        return []
    return re.findall(r'<a href="([^"]+)" lang="([^"]+)" hreflang="([^"]+)">([^<]+)</a>', match.group(1))


def _versions(make, *, trainers=()):
    english = make.module(slug="digital-security", language="en", title="Digital security", trainers=trainers)
    french = make.module(slug="digital-security", language="fr", title="Sécurité numérique", trainers=trainers)
    spanish = make.module(slug="digital-security", language="es", title="Seguridad digital", trainers=trainers)
    make.module(slug="other-module", language="ar", title="وحدة أخرى", trainers=trainers)
    return english, french, spanish


def test_an_enrolled_trainee_sees_the_versions_they_may_read(client_for, make):
    english, french, spanish = _versions(make)
    trainee = make.trainee()
    for module in (english, french, spanish):
        make.enrolment(trainee, module)
    html = client_for(trainee).get(f"/learn/modules/{english.id}").get_data(as_text=True)
    assert _links(html) == [  # in the academy's order of languages
        (f"/learn/modules/{french.id}", "fr", "fr", "Français"),
        (f"/learn/modules/{spanish.id}", "es", "es", "Español"),
    ]
    assert "Français</a> · <a" in html
    french_page = client_for(trainee).get(f"/learn/modules/{french.id}").get_data(as_text=True)
    assert [link[1] for link in _links(french_page)] == ["en", "es"]


def test_versions_the_trainee_may_not_read_are_not_linked(client_for, make, db):
    english, french, spanish = _versions(make)
    trainee = make.trainee()
    make.enrolment(trainee, english)
    make.enrolment(trainee, spanish, status=EnrolmentStatus.WITHDRAWN)
    draft = make.module(slug="digital-security", language="ar", title="الأمن الرقمي", status=ModuleStatus.DRAFT)
    make.enrolment(trainee, draft)
    html = client_for(trainee).get(f"/learn/modules/{english.id}").get_data(as_text=True)
    assert _links(html) == [] and "Also in:" not in html  # French: not enrolled; Spanish: withdrawn; Arabic: draft
    make.enrolment(trainee, french, status=EnrolmentStatus.COMPLETED, completed_at=utcnow())
    french.status = ModuleStatus.ARCHIVED  # completed, then archived: still readable
    db.session.commit()
    html = client_for(trainee).get(f"/learn/modules/{english.id}").get_data(as_text=True)
    assert [link[1] for link in _links(html)] == ["fr"]


def test_trainers_see_the_versions_they_teach_and_admins_all(client_for, make, db):
    trainer = make.trainer()
    english = make.module(slug="digital-security", language="en", trainers=[trainer])
    make.module(slug="digital-security", language="fr", trainers=[trainer], status=ModuleStatus.DRAFT)
    make.module(slug="digital-security", language="es")  # taught by others
    make.module(slug="other-module", language="ar", trainers=[trainer])
    html = client_for(trainer).get(f"/learn/modules/{english.id}").get_data(as_text=True)
    assert [link[1] for link in _links(html)] == ["fr"]  # drafts too: trainers read them
    html = client_for(make.admin()).get(f"/learn/modules/{english.id}").get_data(as_text=True)
    assert [link[1] for link in _links(html)] == ["fr", "es"]


def test_a_module_without_versions_shows_no_line(course, client_for):
    html = client_for(course.trainee).get(f"/learn/modules/{course.module.id}").get_data(as_text=True)
    assert "Also in:" not in html


def test_versions_cost_one_query_however_many_there_are(client_for, make, db, web):
    with web.test_request_context():
        engine = db.engine
    trainee = make.trainee()
    english = make.module(slug="alone", language="en")
    make.enrolment(trainee, english)
    client = client_for(trainee)
    path = f"/learn/modules/{english.id}"

    def count():
        client.get(path)  # warm-up
        with count_queries(engine) as queries:
            response = client.get(path)
        assert response.status_code == 200
        return queries.count

    alone = count()
    for language in ("fr", "es", "ar"):
        make.enrolment(trainee, make.module(slug="alone", language=language))
    assert count() == alone
    assert len(_links(client.get(path).get_data(as_text=True))) == 3
