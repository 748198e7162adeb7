"""Partner foundations' logos: uploaded by admins (PNG or JPEG, cleaned, scaled), kept by hash,
printed on certificates through the sandboxed fetcher — which serves stored logos and nothing else."""
from __future__ import annotations

import hashlib
import json
import io
from pathlib import Path

import pytest
from PIL import Image

from academy.audit.models import AuditEvent
from academy.certificates import operations, storage
from academy.certificates.rendering import certificate_html, render_certificate
from academy.certificates.snapshots import preview_snapshot
from academy.media.storage import store, stored_path
from academy.organisations.models import Organisation, OrganisationKind
from academy.pdf import ResourceRefused, StaticFilesFetcher, is_sha256

from .conftest import require_tool, run_tool


def _image(format_: str, size=(40, 20), color=(200, 10, 30), **options) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, color).save(output, format=format_, **options)
    return output.getvalue()


def _jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    exif[0x8825] = {1: "N", 2: (59.0, 20.0, 0.0)}  # GPS
    return _image("JPEG", exif=exif.tobytes(), size=(64, 32))


def _form(organisation: Organisation, **extra) -> dict:
    data = {"name": organisation.name, "short_name": organisation.short_name, "country": organisation.country,
            "region_id": str(organisation.region_id), "kind": organisation.kind.value}
    data.update(extra)
    return data


@pytest.fixture
def foundation(make):
    return make.organisation(name="Fundación Horizonte Progresista", short_name="FHP", kind=OrganisationKind.FOUNDATION)


def _stored(app, sha256: str) -> bytes:
    with app.app_context():
        return stored_path(sha256).read_bytes()


def test_an_admin_uploads_a_logo_cleaned_of_metadata(db, make, foundation, client_for, fresh, web):
    response = client_for(make.admin()).post(
        f"/admin/organisations/{foundation.id}",
        data=_form(foundation, logo=(io.BytesIO(_jpeg_with_gps()), "logo.jpg")),
        content_type="multipart/form-data")

    assert response.status_code == 302
    saved = fresh(foundation)
    assert saved.logo_media_type == "image/jpeg" and len(saved.logo_sha256) == 64
    content = _stored(web, saved.logo_sha256)
    assert hashlib.sha256(content).hexdigest() == saved.logo_sha256
    assert b"SecretCamera" not in content
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "JPEG" and not image.getexif()
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "organisation.logo_set")) is not None


def test_a_large_logo_is_scaled_down_to_what_a_certificate_needs(db, make, foundation, client_for, fresh, web):
    client_for(make.admin()).post(
        f"/admin/organisations/{foundation.id}",
        data=_form(foundation, logo=(io.BytesIO(_image("PNG", size=(3000, 1000))), "big.png")),
        content_type="multipart/form-data")

    with Image.open(io.BytesIO(_stored(web, fresh(foundation).logo_sha256))) as image:
        assert image.format == "PNG" and image.size == (600, 200)


@pytest.mark.parametrize("content, filename", [
    (_image("GIF"), "logo.gif"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>', "logo.svg"),
    (b"not an image at all", "logo.png"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "broken.png"),
])
def test_other_files_are_refused_as_logos_and_nothing_changes(db, make, foundation, client_for, fresh,
                                                              content, filename):
    response = client_for(make.admin()).post(
        f"/admin/organisations/{foundation.id}", data=_form(foundation, logo=(io.BytesIO(content), filename)),
        content_type="multipart/form-data")

    assert response.status_code == 400
    assert "logo" in response.get_data(as_text=True).lower()
    assert fresh(foundation).logo_sha256 is None


def test_a_logo_over_two_megabytes_is_refused(db, make, foundation, client_for, fresh):
    response = client_for(make.admin()).post(
        f"/admin/organisations/{foundation.id}",
        data=_form(foundation, logo=(io.BytesIO(b"\xff\xd8\xff" + b"\x00" * (2 * 1024 * 1024)), "huge.jpg")),
        content_type="multipart/form-data")
    assert response.status_code == 400 and "2 MB" in response.get_data(as_text=True)
    assert fresh(foundation).logo_sha256 is None


def test_an_admin_removes_a_logo(db, make, foundation, client_for, fresh):
    client = client_for(make.admin())
    client.post(f"/admin/organisations/{foundation.id}",
                data=_form(foundation, logo=(io.BytesIO(_image("PNG")), "logo.png")),
                content_type="multipart/form-data")
    assert fresh(foundation).logo_sha256 is not None
    assert "Remove the current logo" in client.get(f"/admin/organisations/{foundation.id}").get_data(as_text=True)

    client.post(f"/admin/organisations/{foundation.id}", data=_form(foundation, remove_logo="y"),
                content_type="multipart/form-data")

    saved = fresh(foundation)
    assert saved.logo_sha256 is None and saved.logo_media_type is None


def test_a_new_organisation_can_be_added_with_its_logo(db, make, client_for):
    region = make.region()
    response = client_for(make.admin()).post("/admin/organisations/new", data={
        "name": "Fondation Lumière Rouge", "short_name": "FLR", "country": "FR", "region_id": str(region.id),
        "kind": "foundation", "logo": (io.BytesIO(_image("PNG")), "fjj.png")}, content_type="multipart/form-data")
    assert response.status_code == 302
    saved = db.session.scalar(db.select(Organisation).where(Organisation.short_name == "FLR"))
    assert saved.logo_media_type == "image/png"


# --- on the certificate ------------------------------------------------------------------------

def _with_logo(app, foundation, content: bytes, db) -> str:
    with app.app_context():
        stored = store(content, "image/png")
    foundation.logo_sha256, foundation.logo_media_type = stored.sha256, "image/png"
    db.session.commit()
    return stored.sha256


def _pdf_image_count(pdf: bytes, tmp_path: Path) -> int:
    require_tool("pdfimages")
    path = tmp_path / "images.pdf"
    path.write_bytes(pdf)
    return len(run_tool("pdfimages", "-list", str(path)).splitlines()[2:])


def test_the_certificate_prints_the_partner_logos_and_the_snapshot_holds_only_their_hash(
        app, db, make, foundation, completed_enrolment, tmp_path):
    sha256 = _with_logo(app, foundation, _image("PNG", size=(120, 40)), db)
    without_logo = make.organisation(name="Stiftung Neue Wege", short_name="SNW",
                                     kind=OrganisationKind.FOUNDATION)
    enrolment = completed_enrolment(partners=[foundation, without_logo])

    certificate = operations.issue_certificate(enrolment)
    db.session.commit()

    assert certificate.snapshot["partners"] == [
        {"name": "Fundación Horizonte Progresista", "short_name": "FHP", "logo": sha256},
        {"name": "Stiftung Neue Wege", "short_name": "SNW", "logo": None}]
    assert f'src="images/{sha256}"' in certificate_html(certificate.snapshot)
    pdf = storage.certificate_pdf(certificate)
    assert _pdf_image_count(pdf, tmp_path) >= 1
    # Without the logo store the same certificate has no image: the logo is what was drawn.
    assert _pdf_image_count(render_certificate(certificate.snapshot), tmp_path) < _pdf_image_count(pdf, tmp_path)
    # Byte-identical when rendered again.
    storage.pdf_path(certificate.pdf_sha256).unlink()
    assert hashlib.sha256(storage.certificate_pdf(certificate)).hexdigest() == certificate.pdf_sha256


def test_a_logo_reference_that_is_not_a_hash_never_reaches_the_template(app):
    with app.app_context():
        snapshot = preview_snapshot(holder_name="Ana", language="en", title="T", partners=[
            {"name": "X", "short_name": "X", "logo": "../../../etc/passwd"},
            {"name": "Y", "short_name": "Y", "logo": "http://evil.example/logo.png"}])
    assert [partner["logo"] for partner in snapshot["partners"]] == [None, None]
    assert "images/" not in certificate_html(snapshot)


def test_the_fetcher_serves_stored_logos_by_hash_and_nothing_else_of_the_store(tmp_path):
    png = _image("PNG")
    sha256 = hashlib.sha256(png).hexdigest()
    folder = tmp_path / sha256[:2] / sha256[2:4]
    folder.mkdir(parents=True)
    (folder / sha256).write_bytes(png)
    pdf_like = b"%PDF-1.4 stored material"
    pdf_sha = hashlib.sha256(pdf_like).hexdigest()
    (tmp_path / pdf_sha[:2] / pdf_sha[2:4]).mkdir(parents=True, exist_ok=True)
    (tmp_path / pdf_sha[:2] / pdf_sha[2:4] / pdf_sha).write_bytes(pdf_like)
    base = "https://academy.invalid/"
    fetcher = StaticFilesFetcher(base, logo_root=tmp_path)

    response = fetcher.fetch(f"{base}images/{sha256}")
    assert response.read() == png and response.headers.get_content_type() == "image/png"

    refused = [f"{base}images/{pdf_sha}",  # stored, but not an image
               f"{base}images/{'0' * 64}",  # not stored
               f"{base}images/../{sha256[:2]}/{sha256[2:4]}/{sha256}",
               f"{base}images/{sha256.upper()}",
               f"{base}images/{sha256}?x=1",
               f"file://{folder / sha256}",
               f"http://academy.invalid/images/{sha256}"]
    for url in refused:
        with pytest.raises(ResourceRefused):
            fetcher.fetch(url)
    # An altered file no longer matches its name: refused.
    (folder / sha256).write_bytes(png + b"tail")
    with pytest.raises(ResourceRefused):
        fetcher.fetch(f"{base}images/{sha256}")
    # Without a logo store, logos are refused like any other URL.
    with pytest.raises(ResourceRefused):
        StaticFilesFetcher(base).fetch(f"{base}images/{sha256}")


# --- signatures --------------------------------------------------------------------------------

def test_a_configured_signature_image_is_stored_by_hash_and_printed_above_its_line(
        app, db, make, monkeypatch, completed_enrolment, tmp_path):
    instance = tmp_path / "instance"
    monkeypatch.setattr(app, "instance_path", str(instance))
    (instance / "signatures").mkdir(parents=True, exist_ok=True)
    (instance / "signatures" / "director.png").write_bytes(_image("PNG", size=(300, 90)))
    monkeypatch.setitem(app.config, "CERTIFICATE_SIGNATORIES", json.dumps([
        {"name": "Ana Gomez", "title": "Director", "signature": "signatures/director.png"},
        {"name": "Jon Li", "title": "Secretary General"}]))

    certificate = operations.issue_certificate(completed_enrolment())
    db.session.commit()

    director, secretary = certificate.snapshot["signatories"]
    assert is_sha256(director["signature"])
    assert "signature" not in secretary
    assert f'class="signature" src="images/{director["signature"]}"' in certificate_html(certificate.snapshot)
    assert _pdf_image_count(storage.certificate_pdf(certificate), tmp_path) == 1


@pytest.mark.parametrize("path, content", [("../outside.png", None), ("signatures/missing.png", None),
                                           ("signatures/notes.png", b"not an image")])
def test_a_signature_outside_the_instance_folder_or_not_an_image_is_a_configuration_error(
        app, monkeypatch, tmp_path, path, content):
    instance = tmp_path / "instance"
    monkeypatch.setattr(app, "instance_path", str(instance))
    (instance / "signatures").mkdir(parents=True, exist_ok=True)
    (instance.parent / "outside.png").write_bytes(_image("PNG"))
    if content is not None:
        (instance / path).write_bytes(content)
    monkeypatch.setitem(app.config, "CERTIFICATE_SIGNATORIES",
                        json.dumps([{"name": "A", "title": "B", "signature": path}]))
    from academy.certificates.snapshots import signatories

    with pytest.raises(ValueError):
        signatories("en")
