"""The admin screens of editions: status moves, the edition's page, the list, query counts, access."""
from __future__ import annotations

import pytest

from academy.extensions import db
from academy.nominations.models import Edition, EditionStatus, edition_modules, edition_regions

from ...fixtures_auth import sign_in_client
from ...querycount import count_queries
from .helpers import LIST, NEW, all_editions, audit_events, reloaded, valid_form


# --- status moves -----------------------------------------------------------------------------

LEGAL = [("draft", "open", "open"), ("closed", "open", "open"), ("closed", "reopen", "open"),
         ("open", "close", "closed"), ("closed", "archive", "archived")]
ILLEGAL = [("draft", "close"), ("draft", "archive"), ("draft", "reopen"), ("open", "open"),
           ("open", "reopen"), ("open", "archive"), ("closed", "close"), ("archived", "open"),
           ("archived", "reopen"), ("archived", "close"), ("archived", "archive")]


@pytest.mark.parametrize(("start", "action", "end"), LEGAL)
def test_legal_status_moves_are_made_and_audited(client_for, admin, module, make, start, action, end):
    edition = make.edition(modules=[module], status=EditionStatus(start))
    response = client_for(admin).post(f"/admin/editions/{edition.id}/status", data={"action": action})
    assert response.status_code == 302
    assert reloaded(edition).status is EditionStatus(end)
    [event] = audit_events(f"edition.{end}")
    assert event.actor_id == admin.id
    assert event.details["from_status"] == start and event.details["to_status"] == end


@pytest.mark.parametrize(("start", "action"), ILLEGAL)
def test_illegal_status_moves_are_refused(client_for, admin, module, make, start, action):
    edition = make.edition(modules=[module], status=EditionStatus(start))
    response = client_for(admin).post(f"/admin/editions/{edition.id}/status", data={"action": action})
    assert response.status_code == 409
    assert "cannot be moved like this" in response.text
    assert reloaded(edition).status is EditionStatus(start)
    assert audit_events() == []


@pytest.mark.parametrize("action", ["", "delete", "OPEN"])
def test_an_unknown_action_is_a_bad_request(client_for, admin, module, make, action):
    edition = make.edition(modules=[module], status=EditionStatus.DRAFT)
    response = client_for(admin).post(f"/admin/editions/{edition.id}/status", data={"action": action})
    assert response.status_code == 400
    assert reloaded(edition).status is EditionStatus.DRAFT


def test_a_status_never_changes_on_get(client_for, admin, module, make):
    edition = make.edition(modules=[module], status=EditionStatus.DRAFT)
    assert client_for(admin).get(f"/admin/editions/{edition.id}/status?action=open").status_code == 405
    assert reloaded(edition).status is EditionStatus.DRAFT


def test_the_page_offers_only_the_moves_the_status_allows(client_for, admin, module, make):
    client = client_for(admin)
    closed = make.edition(modules=[module], status=EditionStatus.CLOSED)
    page = client.get(f"/admin/editions/{closed.id}").text
    assert 'value="reopen"' in page and 'value="archive"' in page
    assert 'value="open"' not in page and 'value="close"' not in page
    archived = make.edition(modules=[module], status=EditionStatus.ARCHIVED)
    page = client.get(f"/admin/editions/{archived.id}").text
    assert 'name="action"' not in page


# --- the edition's page -----------------------------------------------------------------------

def test_the_page_shows_seats_left_and_nominations_by_status(client_for, admin, module, make):
    edition = make.edition(modules=[module], seats=10, quota_per_organisation=3, required_language="sw")
    for status in ("accepted", "accepted", "submitted", "waitlisted"):
        make.nomination(edition, status=status)
    page = client_for(admin).get(f"/admin/editions/{edition.id}").text
    assert "8 seats left" in page
    assert '<th scope="row">Accepted</th><td>2</td>' in page
    assert '<th scope="row">Submitted</th><td>1</td>' in page
    assert '<th scope="row">Declined</th><td>0</td>' in page
    assert "Swahili (sw)" in page
    assert module.title in page


def test_links_to_other_areas_point_at_this_edition(client, make, admin, module):
    edition = make.edition(modules=[module])
    sign_in_client(client, admin)
    page = client.get(f"/admin/editions/{edition.id}").text
    expected = [f"/admin/nominations/?edition={edition.id}", f"/admin/nominations/report/{edition.id}",
                f"/admin/nominations/export.csv?edition={edition.id}", f"/follow-up/editions/{edition.id}"]
    for url in expected:
        assert f'href="{url}"' in page, url


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar"])
def test_every_page_renders_in_every_language(client_for, make, module, language):
    edition = make.edition(modules=[module], regions=[make.region()], required_language="sw")
    make.nomination(edition, status="accepted")
    client = client_for(make.admin(preferred_language=language, time_zone="Africa/Dakar"))
    for path in (LIST, NEW, f"/admin/editions/{edition.id}", f"/admin/editions/{edition.id}/edit"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert f'lang="{language}"' in response.text


# --- the list ---------------------------------------------------------------------------------

def test_the_list_hides_archived_editions_unless_asked(client_for, admin, module, make):
    names = {status: make.edition(modules=[module], status=status, name=f"Edition {status.value}")
             for status in EditionStatus}
    client = client_for(admin)

    default = client.get(LIST).text
    archived = client.get(LIST + "?status=archived").text
    everything = client.get(LIST + "?status=all").text
    drafts = client.get(LIST + "?status=draft").text

    assert all(f"Edition {status}" in default for status in ("draft", "open", "closed"))
    assert "Edition archived" not in default
    assert "Edition archived" in archived and "Edition open" not in archived
    assert all(edition.name in everything for edition in names.values())
    assert "Edition draft" in drafts and "Edition open" not in drafts


def test_a_mangled_filter_is_a_bad_request_that_still_lists(client_for, admin, module, make):
    make.edition(modules=[module], name="Autumn school")
    response = client_for(admin).get(LIST + "?status=everything")
    assert response.status_code == 400
    assert "Choose a status from the list." in response.text
    assert "Autumn school" in response.text


def test_the_list_shows_seats_and_nominations_by_status(client_for, admin, module, make):
    edition = make.edition(modules=[module], seats=12)
    for status in ("accepted", "submitted", "submitted", "declined"):
        make.nomination(edition, status=status)
    page = client_for(admin).get(LIST).text
    assert "1 of 12" in page
    assert "Submitted: 2" in page and "Accepted: 1" in page and "Declined: 1" in page
    assert "Withdrawn:" not in page


def _grow(make, module, shown: Edition, editions: int) -> None:
    """Bring the editions to ``editions``, each new one with a module, a region and nominations;
    the edition on the page gains the same module, region and nominations."""
    organisation = make.organisation()
    while db.session.scalar(db.select(db.func.count()).select_from(Edition)) < editions:
        region, other = make.region(), make.module()
        edition = make.edition(modules=[module, other], regions=[region], organisations=[organisation])
        for status in ("submitted", "accepted", "waitlisted"):
            make.nomination(edition, organisation, status=status)
        db.session.execute(edition_regions.insert().values(edition_id=shown.id, region_id=region.id))
        db.session.execute(edition_modules.insert().values(edition_id=shown.id, module_id=other.id))
        db.session.commit()
        make.nomination(shown, organisation, status="submitted")


def _count(client, path: str) -> tuple[int, str]:
    with client.application.app_context():
        engine = db.engine
    with count_queries(engine) as queries:
        response = client.get(path)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    return queries.count, queries.describe()


@pytest.mark.parametrize("page", ["list", "show", "new", "edit"])
def test_pages_send_as_many_queries_with_much_data_as_with_little(client_for, admin, module, make, page):
    shown = make.edition(modules=[module])
    path = {"list": LIST, "show": f"/admin/editions/{shown.id}", "new": NEW,
            "edit": f"/admin/editions/{shown.id}/edit"}[page]
    client = client_for(admin)
    _grow(make, module, shown, 3)
    client.get(path)  # warm-up
    small, small_queries = _count(client, path)
    _grow(make, module, shown, 15)
    large, large_queries = _count(client, path)
    assert large == small, f"{small} queries with little data:\n{small_queries}\n\n{large} with more:\n{large_queries}"


# --- access -----------------------------------------------------------------------------------

PAGES = [LIST, NEW, "/admin/editions/{id}", "/admin/editions/{id}/edit"]


@pytest.mark.parametrize("role", ["coordinator", "trainer", "trainee"])
@pytest.mark.parametrize("path", PAGES)
def test_non_admins_are_refused(client_for, make, module, role, path):
    edition = make.edition(modules=[module])
    assert client_for(getattr(make, role)()).get(path.format(id=edition.id)).status_code == 403


@pytest.mark.parametrize("role", ["coordinator", "trainer", "trainee"])
def test_non_admins_cannot_create_or_move_editions(client_for, make, module, role):
    edition = make.edition(modules=[module], status=EditionStatus.OPEN)
    client = client_for(getattr(make, role)())
    assert client.post(NEW, data=valid_form(module)).status_code == 403
    assert client.post(f"/admin/editions/{edition.id}/status", data={"action": "close"}).status_code == 403
    assert reloaded(edition).status is EditionStatus.OPEN
    assert len(all_editions()) == 1


def test_anonymous_visitors_are_sent_to_sign_in_and_cannot_post(web, make, module):
    edition = make.edition(modules=[module])
    client = web.test_client()
    response = client.get(f"/admin/editions/{edition.id}")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert client.post(NEW, data=valid_form(module)).status_code == 401
    assert len(all_editions()) == 1
