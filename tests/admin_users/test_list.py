"""The list of users: search, filters, pagination, validated parameters, constant query count."""
import re

from academy.accounts.models import Role
from academy.db_types import utcnow

from ..accounts.helpers import QueryCounter


def _names(response) -> str:
    return response.get_data(as_text=True)


def _two_factor_cell(page: str, name: str) -> str:
    """The text of the two-step verification cell (the sixth) in ``name``'s row."""
    row = re.search(rf"<tr>\s*<th scope=\"row\"><a [^>]*>{re.escape(name)}</a></th>(.*?)</tr>", page, re.S)
    cells = re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
    return re.sub(r"<[^>]+>", "", cells[4]).strip()


def test_list_shows_roles_organisation_and_status(client, make, login_as):
    organisation = make.organisation(name="Liberal Youth of Testland")
    make.coordinator(organisation, display_name="Carla Coordinator")
    make.trainee(display_name="Ivo Invited", password=None)
    make.trainee(display_name="Dora Disabled", is_active=False)
    login_as(make.admin(display_name="Ada Admin"))
    page = _names(client.get("/admin/users/"))
    assert "Carla Coordinator" in page and "Liberal Youth of Testland" in page
    assert "Coordinator" in page and "Administrator" in page
    assert "Invitation pending" in page and "Disabled" in page
    assert '<th scope="col">' in page


def test_search_matches_name_or_email_in_any_case(client, make, login_as):
    make.trainee(display_name="Maria Lopez", email="ml@example.org")
    make.trainee(display_name="Kofi Mensah", email="kofi.mensah@party.example")
    login_as(make.admin(display_name="Ada Admin"))
    page = _names(client.get("/admin/users/?q=LOPEZ"))
    assert "Maria Lopez" in page and "Kofi Mensah" not in page
    page = _names(client.get("/admin/users/?q=party.EXAMPLE"))
    assert "Kofi Mensah" in page and "Maria Lopez" not in page
    page = _names(client.get("/admin/users/?q=%25"))  # a literal %, not a wildcard
    assert "Kofi Mensah" not in page and "Maria Lopez" not in page


def test_filters_by_role_organisation_and_status(client, make, login_as):
    green = make.organisation(name="Green Party")
    make.coordinator(green, display_name="Greta Green")
    make.coordinator(display_name="Otto Other")
    make.trainer(display_name="Tina Trainer")
    make.trainer(display_name="Theo Trainer", is_active=False)
    login_as(make.admin(display_name="Ada Admin"))
    page = _names(client.get("/admin/users/?role=trainer"))
    assert "Tina Trainer" in page and "Theo Trainer" in page and "Greta Green" not in page
    page = _names(client.get(f"/admin/users/?organisation={green.id}"))
    assert "Greta Green" in page and "Otto Other" not in page
    page = _names(client.get("/admin/users/?role=trainer&active=no"))
    assert "Theo Trainer" in page and "Tina Trainer" not in page
    page = _names(client.get("/admin/users/?active=yes"))
    assert "Tina Trainer" in page and "Theo Trainer" not in page


def test_list_shows_who_uses_two_step_verification_and_flags_who_must(client, make, login_as, serving):
    # Admins are left out so that the signed-in admin is not sent to set it up first.
    serving.config["TWO_FACTOR_REQUIRED_ROLES"] = frozenset({"coordinator"})
    make.trainee(display_name="Tomas On", totp_enabled_at=utcnow())
    make.trainee(display_name="Tara Off")
    make.coordinator(display_name="Cora Required")
    make.coordinator(display_name="Cyril Covered", totp_enabled_at=utcnow())
    login_as(make.admin(display_name="Ada Admin"))
    page = _names(client.get("/admin/users/"))
    assert '<th scope="col">Two-step verification</th>' in page
    assert _two_factor_cell(page, "Tomas On") == "On"
    assert _two_factor_cell(page, "Tara Off") == "Off"
    assert _two_factor_cell(page, "Cora Required") == "Off — required"
    assert _two_factor_cell(page, "Cyril Covered") == "On"
    assert _two_factor_cell(page, "Ada Admin") == "Off"
    assert '<strong class="badge badge--off">Off — required</strong>' in page


def test_required_flag_follows_the_configured_roles(client, make, login_as, serving):
    serving.config["TWO_FACTOR_REQUIRED_ROLES"] = frozenset({"trainee"})
    make.trainee(display_name="Tara Trainee")
    make.coordinator(display_name="Cora Coordinator")
    login_as(make.admin(display_name="Ada Admin"))
    page = _names(client.get("/admin/users/"))
    assert _two_factor_cell(page, "Tara Trainee") == "Off — required"
    assert _two_factor_cell(page, "Cora Coordinator") == "Off"


def test_filter_by_two_step_verification(client, make, login_as):
    make.trainee(display_name="Tomas On", totp_enabled_at=utcnow())
    make.coordinator(display_name="Cora Required")
    make.trainee(display_name="Tara Off")
    login_as(make.admin(display_name="Ada Admin"))
    page = _names(client.get("/admin/users/?two_factor=on"))
    assert "Tomas On" in page and "Cora Required" not in page and "Tara Off" not in page
    page = _names(client.get("/admin/users/?two_factor=off"))
    assert "Cora Required" in page and "Tara Off" in page and "Tomas On" not in page
    page = _names(client.get("/admin/users/?two_factor=on&role=coordinator"))
    assert "No account matches these filters." in page
    page = _names(client.get("/admin/users/?two_factor="))
    assert "Tomas On" in page and "Tara Off" in page
    assert '<option selected value="off">Off</option>' in _names(client.get("/admin/users/?two_factor=off"))


def test_filter_finds_who_lacks_two_step_verification_their_role_requires(client, make, login_as, serving):
    serving.config["TWO_FACTOR_REQUIRED_ROLES"] = frozenset({"coordinator"})
    make.coordinator(display_name="Cora Required")
    make.coordinator(display_name="Cyril Covered", totp_enabled_at=utcnow())
    make.trainee(display_name="Tara Off")
    login_as(make.admin(display_name="Ada Admin"))
    page = _names(client.get("/admin/users/?two_factor=missing"))
    assert "Cora Required" in page
    assert "Cyril Covered" not in page and "Tara Off" not in page and "Ada Admin" not in page
    serving.config["TWO_FACTOR_REQUIRED_ROLES"] = frozenset()
    assert "No account matches these filters." in _names(client.get("/admin/users/?two_factor=missing"))


def test_bad_filter_values_give_400_not_500(client, make, login_as):
    login_as(make.admin())
    for query in ("role=emperor", "organisation=abc", "organisation=99999", "active=maybe",
                  "two_factor=maybe", "two_factor=ON", "q=" + "x" * 101):
        assert client.get(f"/admin/users/?{query}").status_code == 400, query


def test_bad_two_step_filter_says_why_next_to_the_field(client, make, login_as):
    login_as(make.admin())
    response = client.get("/admin/users/?two_factor=maybe")
    page = _names(response)
    assert response.status_code == 400
    assert "Please correct the filters above." in page
    assert '<p class="error-message" id="two_factor-error">Not a valid choice.</p>' in page
    assert 'aria-describedby="two_factor-error"' in page


def test_bad_page_numbers_are_ignored_safely(client, make, login_as):
    login_as(make.admin(display_name="Ada Admin"))
    for page in ("abc", "-3", "0", "99999999999999999999", "500"):
        response = client.get(f"/admin/users/?page={page}")
        assert response.status_code == 200, page


def test_list_is_paginated(client, make, login_as, serving):
    serving.config["PAGE_SIZE"] = 3
    for number in range(7):
        make.trainee(display_name=f"Trainee {number:02d}")
    login_as(make.admin(display_name="Zed Admin"))
    first = _names(client.get("/admin/users/"))
    assert "Trainee 00" in first and "Trainee 03" not in first
    assert "Page 1 of 3" in first and 'rel="next"' in first
    third = _names(client.get("/admin/users/?page=3"))
    assert "Zed Admin" in third and "Trainee 00" not in third


def test_query_count_does_not_grow_with_the_number_of_users(client, make, login_as, serving):
    def add_users(count):
        for number in range(count):  # two-step verification on for every other one
            organisation = make.organisation()
            make.user(Role.COORDINATOR, Role.TRAINER, organisation=organisation,
                      totp_enabled_at=utcnow() if number % 2 else None)

    login_as(make.admin())
    add_users(4)
    client.get("/admin/users/")  # warm up: connection set-up is not the page's doing
    with QueryCounter(serving) as few:
        assert client.get("/admin/users/").status_code == 200
    add_users(35)
    with QueryCounter(serving) as many:
        assert client.get("/admin/users/").status_code == 200
    assert 0 < few.count == many.count, (few.statements, many.statements)
