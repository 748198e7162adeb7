"""Lesson materials: uploads checked by content, images cleaned, links, deletion and guarded downloads."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image

from academy.audit.models import AuditEvent
from academy.curriculum.models import Material, MaterialKind, ModuleStatus
from academy.learning.models import EnrolmentStatus

from . import samples


def _upload_dir(app) -> Path:
    return Path(app.config["UPLOAD_DIR"])


def _stored_files(app) -> list[Path]:
    root = _upload_dir(app)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def _upload(client, lesson, content: bytes, filename: str, title: str = "Handout"):
    return client.post(f"/teach/lessons/{lesson.id}/materials/file",
                       data={"file-title": title, "file-file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def _materials(db) -> list[Material]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Material).order_by(Material.id)))


@pytest.fixture
def teaching(make):
    """A trainer, their published module with one lesson, and an empty upload store."""
    trainer = make.trainer()
    module = make.module(trainers=[trainer])
    return trainer, module, make.lesson(module)


@pytest.fixture
def clean_uploads(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    return app


# --- uploading ------------------------------------------------------------------------------

def test_trainer_uploads_a_pdf(client, db, login_as, teaching, clean_uploads):
    trainer, _module, lesson = teaching
    login_as(trainer)
    response = _upload(client, lesson, samples.PDF, "Guide de terrain.pdf", title="  Field guide ")
    assert response.status_code == 302
    [material] = _materials(db)
    digest = hashlib.sha256(samples.PDF).hexdigest()
    assert (material.kind, material.title, material.filename) == (MaterialKind.FILE, "Field guide",
                                                                  "Guide de terrain.pdf")
    assert (material.sha256, material.content_type, material.size_bytes) == (digest, "application/pdf",
                                                                              len(samples.PDF))
    assert material.created_by_id == trainer.id
    assert _stored_files(clean_uploads) == [_upload_dir(clean_uploads) / digest[:2] / digest[2:4] / digest]
    assert "static" not in str(_upload_dir(clean_uploads))
    assert db.session.scalar(db.select(AuditEvent.action).where(AuditEvent.action == "curriculum.material_add"))


@pytest.mark.parametrize(("content", "filename", "message"), [
    (samples.image("PNG"), "diagram.pdf", "its content is of another type (PNG image)"),
    (samples.text(), "notes.pdf", "not a genuine .pdf file"),
    (samples.ooxml("xlsx"), "report.docx", "(Excel spreadsheet)"),
    (b"<html><script>alert(1)</script></html>", "page.html", "are not accepted"),
    (b"", "empty.pdf", "The file is empty."),
], ids=["png-renamed-pdf", "text-renamed-pdf", "xlsx-renamed-docx", "html", "empty"])
def test_a_file_that_lies_about_its_type_is_refused_and_nothing_stored(client, db, login_as, teaching,
                                                                       clean_uploads, content, filename, message):
    trainer, _module, lesson = teaching
    login_as(trainer)
    response = _upload(client, lesson, content, filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _materials(db) == [] and _stored_files(clean_uploads) == []


def test_a_file_over_the_size_cap_is_refused_with_413(make_app, db, make, login_as, teaching, tmp_path):
    web = make_app(MATERIAL_MAX_BYTES=1000, UPLOAD_DIR=str(tmp_path / "uploads"))
    trainer, _module, lesson = teaching
    client = login_as(trainer, on_client=web.test_client())
    response = _upload(client, lesson, samples.PDF + b"%" * 2000, "big.pdf")
    assert response.status_code == 413
    assert "larger than" in response.get_data(as_text=True) and "Nothing was stored" in response.get_data(as_text=True)
    assert _materials(db) == [] and not (tmp_path / "uploads").exists()


def test_a_request_over_the_request_limit_gets_a_413_page(make_app, make, login_as, teaching):
    web = make_app(MAX_CONTENT_LENGTH=500)
    trainer, _module, lesson = teaching
    client = login_as(trainer, on_client=web.test_client())
    assert _upload(client, lesson, samples.PDF + bytes(1000), "big.pdf").status_code == 413


def test_uploaded_photo_loses_its_exif_and_gps(client, db, login_as, teaching, clean_uploads):
    trainer, _module, lesson = teaching
    login_as(trainer)
    assert _upload(client, lesson, samples.jpeg_with_gps(), "march.jpg").status_code == 302
    [material] = _materials(db)
    assert material.content_type == "image/jpeg"

    downloaded = client.get(f"/materials/{material.id}").data

    picture = Image.open(io.BytesIO(downloaded))
    assert dict(picture.getexif()) == {} and "exif" not in picture.info
    assert b"PhoneMaker" not in downloaded and b"GPS" not in downloaded
    assert material.sha256 == hashlib.sha256(downloaded).hexdigest()  # the clean version is what is stored


def test_missing_title_or_file_rerenders_with_400(client, login_as, teaching, clean_uploads):
    trainer, _module, lesson = teaching
    login_as(trainer)
    assert _upload(client, lesson, samples.PDF, "a.pdf", title="").status_code == 400
    response = client.post(f"/teach/lessons/{lesson.id}/materials/file", data={"file-title": "No file"})
    assert response.status_code == 400 and "Choose a file to upload." in response.get_data(as_text=True)
    assert _stored_files(clean_uploads) == []


def test_trainer_of_another_module_cannot_upload(client, db, make, login_as, teaching, clean_uploads):
    _trainer, _module, lesson = teaching
    login_as(make.trainer())
    assert _upload(client, lesson, samples.PDF, "a.pdf").status_code == 403
    assert _stored_files(clean_uploads) == []


# --- links ----------------------------------------------------------------------------------

def test_links_must_be_http_or_https_and_have_a_title(client, db, login_as, teaching):
    trainer, _module, lesson = teaching
    login_as(trainer)
    for title, url in (("Video", "javascript:alert(1)"), ("Video", "data:text/html,hi"), ("Video", "ftp://x.org/a"),
                       ("Video", "https://"), ("Video", "https://example.org/a b"), ("", "https://example.org")):
        response = client.post(f"/teach/lessons/{lesson.id}/materials/link",
                               data={"link-title": title, "link-url": url})
        assert response.status_code == 400, url
    assert _materials(db) == []
    response = client.post(f"/teach/lessons/{lesson.id}/materials/link",
                           data={"link-title": "Talk on canvassing", "link-url": "https://video.example.org/watch?v=1"})
    assert response.status_code == 302
    [material] = _materials(db)
    assert (material.kind, material.url, material.sha256) == (MaterialKind.LINK, "https://video.example.org/watch?v=1",
                                                              None)


# --- deleting -------------------------------------------------------------------------------

def test_deleting_a_file_material_removes_its_file_once_unused(client, db, make, login_as, teaching, clean_uploads):
    trainer, module, lesson = teaching
    first = make.material(lesson)
    second = make.material(make.lesson(module))  # the same content, shared on disk
    login_as(trainer)
    assert client.post(f"/teach/materials/{first.id}/delete").status_code == 302
    assert len(_stored_files(clean_uploads)) == 1  # still used by the second material
    assert client.post(f"/teach/materials/{second.id}/delete").status_code == 302
    assert _stored_files(clean_uploads) == [] and _materials(db) == []
    assert db.session.scalar(db.select(db.func.count()).where(AuditEvent.action == "curriculum.material_delete")) == 2


def test_other_trainers_cannot_delete_materials(client, db, make, login_as, teaching):
    _trainer, _module, lesson = teaching
    material = make.material(lesson, url="https://example.org")
    login_as(make.trainer())
    assert client.post(f"/teach/materials/{material.id}/delete").status_code == 403
    assert len(_materials(db)) == 1


# --- downloading ----------------------------------------------------------------------------

def test_download_access_matrix(client_as, make, teaching):
    trainer, module, lesson = teaching
    material = make.material(lesson)
    enrolled, other_trainee, withdrawn = make.trainee(), make.trainee(), make.trainee()
    make.enrolment(enrolled, module)
    make.enrolment(withdrawn, module, status=EnrolmentStatus.WITHDRAWN)
    expected = {
        "admin": (make.admin(), 200), "module trainer": (trainer, 200), "enrolled trainee": (enrolled, 200),
        "other trainee": (other_trainee, 403), "withdrawn trainee": (withdrawn, 403),
        "other trainer": (make.trainer(), 403), "coordinator": (make.coordinator(), 403),
    }
    answers = {who: client_as(person).get(f"/materials/{material.id}").status_code
               for who, (person, _status) in expected.items()}
    assert answers == {who: status for who, (_person, status) in expected.items()}


def test_anonymous_download_goes_to_sign_in(client, make, teaching):
    material = make.material(teaching[2])
    response = client.get(f"/materials/{material.id}")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_enrolled_trainee_cannot_download_from_a_draft_module(client, db, make, login_as):
    module = make.module(status=ModuleStatus.DRAFT)
    material = make.material(make.lesson(module))
    trainee = make.trainee()
    make.enrolment(trainee, module)
    login_as(trainee)
    assert client.get(f"/materials/{material.id}").status_code == 404


def test_download_is_an_attachment_with_restrictive_headers(client, make, login_as, teaching):
    _trainer, module, lesson = teaching
    material = make.material(lesson, filename="تقرير الحملة.pdf")
    trainee = make.trainee()
    make.enrolment(trainee, module)
    login_as(trainee)
    response = client.get(f"/materials/{material.id}")
    assert response.status_code == 200
    assert response.data == samples.PDF
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%D8%AA%D9%82%D8%B1%D9%8A%D8%B1" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-store" in response.headers["Cache-Control"]


def test_links_and_unknown_materials_are_not_downloads(client, make, login_as, teaching):
    link = make.material(teaching[2], url="https://example.org")
    login_as(make.admin())
    assert client.get(f"/materials/{link.id}").status_code == 404
    assert client.get("/materials/999999").status_code == 404


def test_a_missing_stored_file_gives_404_not_500(client, make, login_as, teaching, clean_uploads):
    material = make.material(teaching[2])
    for path in _stored_files(clean_uploads):
        path.unlink()
    login_as(make.admin())
    assert client.get(f"/materials/{material.id}").status_code == 404


def test_lesson_page_lists_materials_with_their_download_links(client, make, login_as, teaching):
    trainer, _module, lesson = teaching
    material = make.material(lesson, title="Door script")
    make.material(lesson, url="https://example.org/guide", title="External guide")
    login_as(trainer)
    page = client.get(f"/teach/lessons/{lesson.id}").get_data(as_text=True)
    assert f'href="/materials/{material.id}"' in page and "Door script" in page
    assert 'href="https://example.org/guide"' in page
