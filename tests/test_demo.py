"""``flask academy seed-demo``: demo data that other features rely on, created once."""
from __future__ import annotations

from academy.accounts.models import Role, User
from academy.accounts.passwords import verify_password
from academy.audit.models import AuditEvent
from academy.demo import DEFAULT_DEMO_PASSWORD, STEPS
from academy.demo.organisations import ORGANISATIONS
from academy.organisations.models import Organisation, OrganisationKind, Region

COMMAND = ["academy", "seed-demo"]


def _count(db, model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _sign_in_table(output: str) -> str:
    return output[output.index("E-mail"):]


def _by_short_name(db, short_name: str) -> Organisation:
    return db.session.scalars(db.select(Organisation).where(Organisation.short_name == short_name)).one()


def test_seeding_creates_regions_organisations_and_people(runner, db):
    result = runner.invoke(args=COMMAND)
    assert result.exit_code == 0, result.output
    assert _count(db, Region) == 5
    assert _count(db, Organisation) == len(ORGANISATIONS) >= 15
    assert _count(db, User) == 9
    regions = {region.code: region for region in db.session.scalars(db.select(Region))}
    assert set(regions) == {"africa", "americas", "arab-world", "asia-pacific", "europe"}
    assert regions["arab-world"].name_ar == "العالم العربي" and regions["europe"].name_es == "Europa"
    used_regions = set(db.session.scalars(db.select(Organisation.region_id).distinct()))
    assert used_regions == {region.id for region in regions.values()}


def test_seeding_twice_creates_nothing_new_and_prints_the_same_sign_ins(runner, db):
    first = runner.invoke(args=COMMAND)
    counts = [_count(db, model) for model in (Region, Organisation, User)]
    events = _count(db, AuditEvent)
    second = runner.invoke(args=COMMAND)
    assert second.exit_code == 0, second.output
    assert [_count(db, model) for model in (Region, Organisation, User)] == counts
    assert _count(db, AuditEvent) == events
    assert "nothing created" in second.output
    assert _sign_in_table(second.output) == _sign_in_table(first.output)


def test_the_foundations_and_youth_network_other_features_rely_on(runner, db):
    runner.invoke(args=COMMAND)
    expected = {
        "FSDD": ("Foundation for Social Democracy and Dialogue", "DE", "europe", OrganisationKind.FOUNDATION),
        "FHP": ("Fundación Horizonte Progresista", "CL", "americas", OrganisationKind.FOUNDATION),
        "FAS": ("Fondation Afrique Solidaire", "SN", "africa", OrganisationKind.FOUNDATION),
        "IYPN": ("International Young Progressives Network", "SE", "europe", OrganisationKind.YOUTH),
    }
    for short_name, (name, country, region_code, kind) in expected.items():
        organisation = _by_short_name(db, short_name)
        region = db.session.get(Region, organisation.region_id)
        assert (organisation.name, organisation.country, region.code, organisation.kind) == (
            name, country, region_code, kind)
        assert organisation.is_active


def test_demo_people_have_their_roles_languages_and_organisations(runner, db):
    runner.invoke(args=COMMAND)
    people = {user.email: user for user in db.session.scalars(db.select(User))}
    assert people["admin@academy.example"].has_role(Role.ADMIN)
    coordinators = [people[f"coordinator{n}@academy.example"] for n in (1, 2)]
    assert all(person.has_role(Role.COORDINATOR) for person in coordinators)
    parties = [db.session.get(Organisation, person.organisation_id) for person in coordinators]
    assert parties[0].id != parties[1].id
    assert all(party.kind is OrganisationKind.PARTY for party in parties)
    assert people["trainer1@academy.example"].has_role(Role.TRAINER)
    assert people["trainer2@academy.example"].preferred_language == "fr"
    trainee_languages = {person.preferred_language for person in people.values() if person.has_role(Role.TRAINEE)}
    assert {"ar", "es"} <= trainee_languages
    assert all(verify_password(person.password_hash, DEFAULT_DEMO_PASSWORD) for person in people.values())


def test_sign_in_table_lists_every_person_with_role_and_password(runner):
    output = runner.invoke(args=COMMAND).output
    table = _sign_in_table(output)
    for email, role in [("admin@academy.example", "admin"), ("coordinator2@academy.example", "coordinator"),
                        ("trainer2@academy.example", "trainer"), ("trainee1@academy.example", "trainee")]:
        line = next(line for line in table.splitlines() if line.startswith(email))
        assert role in line and DEFAULT_DEMO_PASSWORD in line


def test_demo_password_comes_from_the_environment(runner, db, monkeypatch):
    monkeypatch.setenv("ACADEMY_DEMO_PASSWORD", "another-demo-passphrase-42")
    result = runner.invoke(args=COMMAND)
    assert result.exit_code == 0
    assert "another-demo-passphrase-42" in result.output
    admin = db.session.scalars(db.select(User).where(User.email == "admin@academy.example")).one()
    assert verify_password(admin.password_hash, "another-demo-passphrase-42")


def test_a_weak_demo_password_is_refused_before_anything_is_written(runner, db, monkeypatch):
    monkeypatch.setenv("ACADEMY_DEMO_PASSWORD", "short")
    result = runner.invoke(args=COMMAND)
    assert result.exit_code != 0
    assert "password policy" in result.output
    assert _count(db, User) == 0 and _count(db, Region) == 0


def test_a_changed_password_is_not_printed_as_the_demo_one(runner, db, monkeypatch):
    runner.invoke(args=COMMAND)
    monkeypatch.setenv("ACADEMY_DEMO_PASSWORD", "a-different-passphrase-99")
    table = _sign_in_table(runner.invoke(args=COMMAND).output)
    assert "a-different-passphrase-99" not in table
    assert "(changed since seeding)" in table


def test_seeding_is_audited_through_the_organisation_operations(runner, db):
    runner.invoke(args=COMMAND)
    actions = set(db.session.scalars(db.select(AuditEvent.action)))
    assert {"region.create", "organisation.create", "organisation.deactivate", "demo.seed"} <= actions


def test_existing_data_is_completed_not_duplicated(runner, db, make):
    make.region(code="europe", name_en="Europe")
    make.organisation(name="Foundation for Social Democracy and Dialogue", short_name="fsdd")
    result = runner.invoke(args=COMMAND)
    assert result.exit_code == 0, result.output
    assert _count(db, Region) == 5 + 1  # the factory's region for the organisation, plus the demo's
    assert _count(db, Organisation) == len(ORGANISATIONS)


def test_steps_run_in_dependency_order():
    names = [step.__name__ for step in STEPS]
    assert names.index("seed_regions") < names.index("seed_organisations") < names.index("seed_people")


def test_demo_imports_the_courses_and_gives_people_something_to_study_and_teach(runner, db):
    from academy.curriculum.models import Module, module_trainers
    from academy.learning.models import Enrolment
    from academy.live.models import LiveSession

    assert runner.invoke(args=COMMAND).exit_code == 0
    counts = (_count(db, Module), _count(db, Enrolment), _count(db, LiveSession),
              db.session.scalar(db.select(db.func.count()).select_from(module_trainers)))
    assert counts[0] >= 5 and counts[1] >= 6 and counts[2] == 2 and counts[3] >= 5
    assert runner.invoke(args=COMMAND).exit_code == 0
    assert (_count(db, Module), _count(db, Enrolment), _count(db, LiveSession),
            db.session.scalar(db.select(db.func.count()).select_from(module_trainers))) == counts


def test_the_sign_ins_say_how_to_get_codes_when_roles_require_two_step_verification(runner, app, db):
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = frozenset({"admin", "coordinator"})
    try:
        output = runner.invoke(args=COMMAND).output
    finally:
        app.config["TWO_FACTOR_REQUIRED_ROLES"] = frozenset()
    assert "admin or coordinator role turn on two-step verification" in output
    assert "pyotp.TOTP(" in output


def test_the_accepted_demo_nominee_is_sent_a_working_link_to_join(runner, app, db, client):
    """Commands have no request: with ``SERVER_BASE_URL`` (``make run`` sets it) links are built
    from it, so the acceptance mail carries the link instead of promising another message."""
    from academy.outbox.models import OutboxMessage

    app.config["SERVER_BASE_URL"] = "https://academy.example.org/"
    result = runner.invoke(args=COMMAND)
    assert result.exit_code == 0, result.output
    bodies = list(db.session.scalars(db.select(OutboxMessage.body_text)))
    links = [line.strip() for body in bodies for line in body.splitlines()
             if line.strip().startswith("https://academy.example.org/invitation/")]
    assert links, bodies
    assert not [body for body in bodies if "separate message" in body]
    assert client.get(links[0].removeprefix("https://academy.example.org")).status_code == 200
