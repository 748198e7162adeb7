"""A file uploaded again while its last material is deleted keeps its file, whichever commits first.

The store is content-addressed: the upload finds the file there and writes nothing, while the
deletion finds no committed material naming it and discards it. The deletion sets the file aside
and asks again (a material committed meanwhile brings it back); the upload stores its content
again after its own commit (a deletion that finished meanwhile is undone).
"""
from __future__ import annotations

import io

from academy.curriculum import material_views, operations
from academy.curriculum.models import Material
from academy.media.storage import discard, store, stored_path
from tests.factories import SAMPLE_PDF


def test_a_discarded_file_comes_back_when_a_material_named_it_meanwhile(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    digest = store(SAMPLE_PDF, "application/pdf").sha256
    discard(digest, used_again=lambda: stored_path(digest).exists() is False)  # asked while set aside
    assert stored_path(digest).read_bytes() == SAMPLE_PDF
    discard(digest, used_again=lambda: False)
    assert not stored_path(digest).exists()
    assert list((tmp_path / "uploads").rglob("*")) == [path for path in (tmp_path / "uploads").rglob("*")
                                                       if path.is_dir()]  # nothing left aside


def test_an_upload_whose_file_was_discarded_before_its_commit_stores_it_again(app, db, make, client, login_as,
                                                                            tmp_path, monkeypatch):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    trainer = make.trainer()
    module = make.module(trainers=[trainer])
    old_lesson, new_lesson = make.lesson(module), make.lesson(module)
    old = make.material(old_lesson)  # SAMPLE_PDF, already in the store
    login_as(trainer)
    original = operations.add_file_material

    def deleted_meanwhile(*args, **kwargs):
        # The other request: the old material's deletion commits and discards the file, after
        # this upload found it in the store and before this upload commits.
        assert client.post(f"/teach/materials/{old.id}/delete").status_code == 302
        assert not stored_path(kwargs["stored"].sha256).exists()
        return original(*args, **kwargs)

    monkeypatch.setattr(material_views.operations, "add_file_material", deleted_meanwhile)
    response = client.post(f"/teach/lessons/{new_lesson.id}/materials/file",
                           data={"file-title": "Handout again", "file-file": (io.BytesIO(SAMPLE_PDF), "handout.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    new = db.session.scalar(db.select(Material).where(Material.lesson_id == new_lesson.id))
    assert stored_path(new.sha256).read_bytes() == SAMPLE_PDF
    assert client.get(f"/materials/{new.id}").status_code == 200


def test_a_logo_whose_file_was_discarded_before_its_commit_is_stored_again(db, make, client_for, web,
                                                                          monkeypatch):
    """The same race with a partner's logo of the same content as a deleted material."""
    from PIL import Image

    from academy.organisations import operations as organisation_operations
    from academy.organisations import views as organisation_views
    from academy.organisations.models import Organisation, OrganisationKind

    foundation = make.organisation(kind=OrganisationKind.FOUNDATION)
    picture = io.BytesIO()
    Image.new("RGB", (40, 20), (10, 120, 30)).save(picture, format="PNG")
    original = organisation_operations.set_organisation_logo

    def discarded_meanwhile(organisation, logo, *, actor):
        changed = original(organisation, logo, actor=actor)
        stored_path(organisation.logo_sha256).unlink()  # a material's deletion, between store and commit
        return changed

    monkeypatch.setattr(organisation_views.operations, "set_organisation_logo", discarded_meanwhile)
    response = client_for(make.admin()).post(
        f"/admin/organisations/{foundation.id}", content_type="multipart/form-data",
        data={"name": foundation.name, "short_name": foundation.short_name, "country": foundation.country,
              "region_id": str(foundation.region_id), "kind": foundation.kind.value,
              "logo": (io.BytesIO(picture.getvalue()), "logo.png")})
    assert response.status_code == 302
    db.session.expire_all()
    with web.app_context():
        assert stored_path(db.session.get(Organisation, foundation.id).logo_sha256).is_file()
