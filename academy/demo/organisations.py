"""Demo regions and member organisations. Every party name here is invented.

Other features rely on the foundations and the youth network by short name: FSDD, FHP, FAS, IYPN.
"""
from __future__ import annotations

from ..extensions import db
from ..organisations import operations
from ..organisations.models import Organisation, OrganisationKind, Region

#: code → names in English, French, Spanish and Arabic.
REGIONS = {
    "africa": ("Africa", "Afrique", "África", "أفريقيا"),
    "americas": ("Americas", "Amériques", "Américas", "الأمريكتان"),
    "arab-world": ("Arab world", "Monde arabe", "Mundo árabe", "العالم العربي"),
    "asia-pacific": ("Asia-Pacific", "Asie-Pacifique", "Asia-Pacífico", "آسيا والمحيط الهادئ"),
    "europe": ("Europe", "Europe", "Europa", "أوروبا"),
}

PARTY = OrganisationKind.PARTY
FOUNDATION = OrganisationKind.FOUNDATION
YOUTH = OrganisationKind.YOUTH
CIVIC = OrganisationKind.ORGANISATION

#: (short name, name, country, region code, kind, active)
ORGANISATIONS = (
    ("FSDD", "Foundation for Social Democracy and Dialogue", "DE", "europe", FOUNDATION, True),
    ("FHP", "Fundación Horizonte Progresista", "CL", "americas", FOUNDATION, True),
    ("FAS", "Fondation Afrique Solidaire", "SN", "africa", FOUNDATION, True),
    ("IYPN", "International Young Progressives Network", "SE", "europe", YOUTH, True),
    ("BPP", "Baobab Progressive Party", "GH", "africa", PARTY, True),
    ("SSD", "Savanna Social Democrats", "KE", "africa", PARTY, True),
    ("LRP", "Lakeshore Reform Party", "MW", "africa", PARTY, False),
    ("PCS", "Partido Colibrí Social", "CR", "americas", PARTY, True),
    ("MCP", "Movimiento Cóndor Progresista", "AR", "americas", PARTY, True),
    ("POS", "Parti de l'Oasis Sociale", "TN", "arab-world", PARTY, True),
    ("OGPP", "Olive Grove Progressive Party", "JO", "arab-world", PARTY, True),
    ("CCN", "Cedar Civic Network", "LB", "arab-world", CIVIC, True),
    ("MPP", "Mangrove Progressive Party", "PH", "asia-pacific", PARTY, True),
    ("MSD", "Monsoon Social Democrats", "MY", "asia-pacific", PARTY, True),
    ("SCCF", "Southern Cross Civic Forum", "NZ", "asia-pacific", CIVIC, True),
    ("ACP", "Amber Coast Progressives", "LT", "europe", PARTY, True),
)


def seed_regions(seed) -> None:
    """The five regional networks, named in the four languages."""
    existing = {region.code: region for region in db.session.scalars(db.select(Region))}
    for code, (name_en, name_fr, name_es, name_ar) in REGIONS.items():
        region = existing.get(code)
        if region is None:
            region = operations.create_region(actor=None, code=code, name_en=name_en, name_fr=name_fr,
                                              name_es=name_es, name_ar=name_ar)
            seed.created["regions"] += 1
        seed.regions[code] = region


def seed_organisations(seed) -> None:
    """About fifteen fictional member organisations across every region."""
    existing = {organisation.short_name.lower(): organisation
                for organisation in db.session.scalars(db.select(Organisation))}
    for short_name, name, country, region_code, kind, active in ORGANISATIONS:
        organisation = existing.get(short_name.lower())
        if organisation is None:
            organisation = operations.create_organisation(
                actor=None, name=name, short_name=short_name, country=country,
                region=seed.regions[region_code], kind=kind,
                website=f"https://{short_name.lower()}.example.org")
            if not active:
                operations.set_organisation_active(organisation, False, actor=None)
            seed.created["organisations"] += 1
        seed.organisations[short_name] = organisation
