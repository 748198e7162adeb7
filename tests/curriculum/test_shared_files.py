"""Deleting a material keeps a stored file that something else still names.

The upload store (``UPLOAD_DIR``) holds lesson materials, partner logos and certificate signature
images, all named by the SHA-256 of their content: a trainer who attaches a partner's public logo
to a lesson (the same cleaning gives the same bytes) shares its file. Deleting that material must
keep the file while an organisation's logo or a certificate's snapshot names it.
"""
from __future__ import annotations

import io

from PIL import Image

from academy.curriculum.models import Material
from academy.media.storage import stored_path
from academy.organisations import operations as organisation_operations
from academy.organisations.logos import prepare_logo
from academy.organisations.models import OrganisationKind


def _png() -> bytes:
    image = Image.new("RGB", (40, 20), (200, 30, 30))
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


def _attach_and_delete(client, db, lesson, content: bytes) -> str:
    """Upload ``content`` as a material of ``lesson``, then delete it; return its hash."""
    uploaded = client.post(f"/teach/lessons/{lesson.id}/materials/file",
                           data={"file-title": "Our partner", "file-file": (io.BytesIO(content), "partner.png")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 302
    db.session.expire_all()
    material = db.session.scalar(db.select(Material).where(Material.lesson_id == lesson.id))
    assert client.post(f"/teach/materials/{material.id}/delete").status_code == 302
    return material.sha256


def test_deleting_a_material_keeps_a_partner_logo_with_the_same_content(app, db, make, client, login_as, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    admin = make.admin()
    foundation = make.organisation(kind=OrganisationKind.FOUNDATION)
    original = _png()
    assert organisation_operations.set_organisation_logo(foundation, prepare_logo(io.BytesIO(original)), actor=admin)
    db.session.commit()
    logo = foundation.logo_sha256
    assert stored_path(logo).is_file()

    trainer = make.trainer()
    module = make.module(trainers=[trainer], partners=[foundation])
    lesson = make.lesson(module)
    login_as(trainer)
    # One stored file, shared by the logo and the material.
    assert _attach_and_delete(client, db, lesson, original) == logo
    assert stored_path(logo).is_file(), "the partner's logo file was discarded with the trainer's material"


def test_deleting_a_material_keeps_a_file_a_certificate_still_prints(app, db, make, client, login_as, tmp_path):
    """A logo the foundation has since replaced is still printed on its older certificates."""
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    admin = make.admin()
    foundation = make.organisation(kind=OrganisationKind.FOUNDATION)
    original = _png()
    organisation_operations.set_organisation_logo(foundation, prepare_logo(io.BytesIO(original)), actor=admin)
    db.session.commit()
    old_logo = foundation.logo_sha256
    trainer = make.trainer()
    module = make.module(trainers=[trainer], partners=[foundation])
    certificate = make.certificate(make.enrolment(make.trainee(), module))
    assert old_logo in str(certificate.snapshot)
    foundation.logo_sha256 = None  # replaced since (the old file stays for the old certificates)
    db.session.commit()

    login_as(trainer)
    assert _attach_and_delete(client, db, make.lesson(module), original) == old_logo
    assert stored_path(old_logo).is_file()


def test_deleting_a_material_nothing_else_names_removes_its_file(app, db, make, client, login_as, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    trainer = make.trainer()
    login_as(trainer)
    digest = _attach_and_delete(client, db, make.lesson(make.module(trainers=[trainer])), _png())
    assert not stored_path(digest).exists()
