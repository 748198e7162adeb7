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
