"""``flask certificates preview``, ``render-missing`` and ``remove-unrecorded``."""
from __future__ import annotations

import sqlalchemy as sa

from academy.certificates import storage
from academy.certificates.models import CertificatePdf

from .conftest import pdf_page_count, pdf_text


def test_preview_renders_a_module_from_its_files_without_the_database(app, tmp_path, monkeypatch):
    def no_database(*args, **kwargs):
        raise AssertionError("preview touched the database")
    monkeypatch.setattr(storage.db.session, "execute", no_database)
    monkeypatch.setattr(storage.db.session, "scalar", no_database)
    output = tmp_path / "preview.pdf"

    result = app.test_cli_runner().invoke(args=["certificates", "preview", "--name", "Zeynep Yılmaz",
                                                "--module", "communication", "--lang", "fr", "-o", str(output)])

    assert result.exit_code == 0, result.output
    pdf = output.read_bytes()
    assert pdf_page_count(pdf, tmp_path) == 1
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert "Zeynep Yılmaz" in text and "Communication politique" in text


def test_preview_refuses_an_unknown_or_unsafe_module(app, tmp_path):
    runner = app.test_cli_runner()
    for slug in ("no-such-module", "../../etc", "Communication"):
        result = runner.invoke(args=["certificates", "preview", "--name", "X", "--module", slug,
                                     "-o", str(tmp_path / "x.pdf")])
        assert result.exit_code != 0
        assert not (tmp_path / "x.pdf").exists()


def test_preview_in_arabic_without_a_module(app, tmp_path):
    output = tmp_path / "ar.pdf"
    result = app.test_cli_runner().invoke(args=["certificates", "preview", "--name", "فاطمة الزهراء",
                                                "--lang", "ar", "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert pdf_page_count(output.read_bytes(), tmp_path) == 1


def test_render_missing_restores_deleted_files_identically(app, make, db):
    certificates = [make.certificate() for _ in range(2)]
    path = storage.pdf_path(certificates[0].pdf_sha256)
    original = path.read_bytes()
    path.unlink()

    result = app.test_cli_runner().invoke(args=["certificates", "render-missing"])

    assert result.exit_code == 0, result.output
    assert "checked 2, present 1, restored 1, changed 0" in result.output
    assert path.read_bytes() == original
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CertificatePdf)) == 2


def test_render_missing_records_a_rendering_that_came_out_different(app, make, db, monkeypatch):
    certificate = make.certificate()
    storage.pdf_path(certificate.pdf_sha256).unlink()
    monkeypatch.setattr(storage, "render_certificate",
                        lambda snapshot, **options: b"%PDF-1.7 re-rendered by newer software")

    result = app.test_cli_runner().invoke(args=["certificates", "render-missing"])

    assert result.exit_code == 0, result.output
    assert "changed 1" in result.output
    hashes = set(db.session.scalars(sa.select(CertificatePdf.sha256)
                                    .where(CertificatePdf.certificate_id == certificate.id)))
    assert len(hashes) == 2 and certificate.pdf_sha256 in hashes


def test_remove_unrecorded_deletes_only_pdfs_no_certificate_records(app, make, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "CERTIFICATE_DIR", str(tmp_path / "certificates"))  # not other tests' files
    kept = storage.pdf_path(make.certificate().pdf_sha256)
    unrecorded = storage.pdf_path(storage.store_pdf(b"%PDF-1.7 a rolled-back issuance"))
    other_files = [kept.parent / "notes.txt", kept.parent.parent / "zz" / f"{'0' * 64}.pdf"]
    for path in other_files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"not ours to judge")

    result = app.test_cli_runner().invoke(args=["certificates", "remove-unrecorded"])

    assert result.exit_code == 0, result.output
    assert "removed 1 unrecorded PDF(s)" in result.output
    assert kept.is_file() and not unrecorded.exists() and all(path.is_file() for path in other_files)
