"""Demo intakes: an edition open for nominations with a few nominations in review, and a draft.

So that a coordinator trying the demo finds a window to nominate into, and an admin finds a
review queue with something in it. Every nomination goes through the status machine, so seats,
audit entries and notifications are what real use would have produced.
"""
from __future__ import annotations

from datetime import date, timedelta

from ..curriculum.models import Module
from ..db_types import utcnow
from ..extensions import db
from ..nominations import operations, submission
from ..nominations.models import Edition, EditionFormat, EditionStatus, Gender, NominationStatus, ParityRule
from ..nominations.nominate_forms import PRIVACY_NOTICE_VERSION

SPRING = "Young Organisers Academy — spring intake"
AUTUMN = "Campaign Leaders Academy — autumn intake"

#: (coordinator, organisation, given names, family name, e-mail, gender, birth year, country,
#:  languages, mail language, role, status wanted)
NOMINATIONS = (
    ("coordinator1@academy.example", "BPP", "Abena", "Asante", "abena.asante@nominee.example", Gender.WOMAN,
     2001, "GH", ["en", "tw"], "en", "Youth wing secretary", NominationStatus.ACCEPTED),
    ("coordinator1@academy.example", "BPP", "Kofi", "Boateng", "kofi.boateng@nominee.example", Gender.MAN,
     1999, "GH", ["en"], "en", "Branch organiser, Kumasi", NominationStatus.SUBMITTED),
    ("coordinator1@academy.example", "BPP", "Efua", "Mensah", "efua.mensah@nominee.example", Gender.WOMAN,
     2003, "GH", ["en", "fr"], "en", "Campus campaign lead", NominationStatus.DRAFT),
    ("coordinator2@academy.example", "PCS", "Valentina", "Quispe", "valentina.quispe@nominee.example",
     Gender.WOMAN, 2000, "PE", ["es", "en"], "es", "Secretaria de juventudes", NominationStatus.SUBMITTED),
    ("coordinator2@academy.example", "PCS", "Diego", "Paredes", "diego.paredes@nominee.example", Gender.MAN,
     1997, "PE", ["es", "en"], "es", "Coordinador territorial", NominationStatus.WAITLISTED),
)


def _modules(*slugs: str) -> list[Module]:
    return list(db.session.scalars(
        db.select(Module).where(Module.slug.in_(slugs), Module.language == "en").order_by(Module.title)))


def seed_editions(seed) -> None:
    """Create the two demo editions when missing, and the spring intake's nominations."""
    existing = set(db.session.scalars(db.select(Edition.name).where(Edition.name.in_((SPRING, AUTUMN)))))
    now = utcnow().replace(second=0, microsecond=0)
    if SPRING not in existing:
        starts_on = (now + timedelta(days=75)).date()
        spring = Edition(
            name=SPRING, language="en", format=EditionFormat.ONLINE,
            description="Eight weeks online for young organisers: party organisation, campaigning and "
                        "door-to-door canvassing, with live sessions every Thursday evening.",
            starts_on=starts_on, ends_on=starts_on + timedelta(days=56),
            nominations_open_at=now - timedelta(days=7), nominations_close_at=now + timedelta(days=28),
            seats=24, quota_per_organisation=4, parity_rule=ParityRule.BALANCED, required_language="en",
            status=EditionStatus.OPEN)
        spring.modules = _modules("party-organisation", "campaigning", "door-to-door-canvassing")
        spring.allowed_regions, spring.allowed_organisations = [], []
        db.session.add(spring)
        db.session.flush()
        seed.created["editions"] += 1
        _seed_nominations(seed, spring, now)
    if AUTUMN not in existing:
        starts_on = (now + timedelta(days=200)).date()
        autumn = Edition(
            name=AUTUMN, language="en", format=EditionFormat.BLENDED, venue="Alliance secretariat",
            description="A blended intake for campaign leaders: online campaigns and communication, "
                        "with one residential week. Nominations in pairs of a woman and a man.",
            starts_on=starts_on, ends_on=starts_on + timedelta(days=42),
            nominations_open_at=now + timedelta(days=60), nominations_close_at=now + timedelta(days=100),
            seats=20, quota_per_organisation=2, parity_rule=ParityRule.PAIRS, status=EditionStatus.DRAFT)
        autumn.modules = _modules("online-campaigns", "communication")
        autumn.allowed_regions, autumn.allowed_organisations = [], []
        db.session.add(autumn)
        db.session.flush()
        seed.created["editions"] += 1


def _seed_nominations(seed, edition: Edition, now) -> None:
    admin = seed.users["admin@academy.example"]
    for (coordinator_email, short_name, given, family, email, gender, born, country, languages, language,
         role, wanted) in NOMINATIONS:
        coordinator = seed.users[coordinator_email]
        nomination = submission.nominate(
            edition, seed.organisations[short_name], nominated_by=coordinator, now=now,
            given_names=given, family_name=family, email=email, date_of_birth=date(born, 3, 14), gender=gender,
            country=country, languages=languages, language=language, party_role=role,
            motivation="Organises the youth wing's weekly canvassing and wants to train others to do it well.",
            consent_at=now, consent_version=PRIVACY_NOTICE_VERSION)
        if wanted is not NominationStatus.DRAFT:
            operations.transition(nomination, NominationStatus.SUBMITTED, actor=coordinator, now=now)
        if wanted in (NominationStatus.ACCEPTED, NominationStatus.WAITLISTED):
            operations.transition(nomination, wanted, actor=admin, now=now,
                                  reason="Strong organising record." if wanted is NominationStatus.ACCEPTED
                                  else "Seats for this organisation are being balanced.")
        seed.created["nominations"] += 1
