"""Fixtures for the certificate tests: completed enrolments, web clients, and the PDF tools."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from academy.db_types import utcnow
from academy.learning.models import EnrolmentStatus


def require_tool(name: str) -> str:
    """The path of a command-line tool the test needs; skip without it, fail in CI.

    CI sets ``REQUIRE_BROWSER_TESTS=1`` and installs poppler-utils and zbar-tools, so there a
    missing tool is a broken setup, not a reason to skip.
    """
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (Debian: apt-get install poppler-utils zbar-tools)"
        if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


def run_tool(*args: str, input_bytes: bytes | None = None) -> str:
    """Run a tool and return its standard output as text (failing the test on an error)."""
    completed = subprocess.run(args, input=input_bytes, capture_output=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr.decode(errors="replace")
    return completed.stdout.decode("utf-8", errors="replace")


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The text of a PDF as poppler extracts it."""
    require_tool("pdftotext")
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    return run_tool("pdftotext", "-enc", "UTF-8", str(path), "-")


def pdf_fonts(pdf: bytes, tmp_path: Path) -> list[str]:
    """The names of the fonts a PDF embeds (subset prefixes removed)."""
    require_tool("pdffonts")
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    lines = run_tool("pdffonts", str(path)).splitlines()[2:]
    return [line.split()[0].split("+", 1)[-1] for line in lines if line.strip()]


def pdf_page_count(pdf: bytes, tmp_path: Path) -> int:
    require_tool("pdfinfo")
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    for line in run_tool("pdfinfo", str(path)).splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise AssertionError("pdfinfo printed no page count")


def pdf_subject(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's Subject metadata (the certificate puts the name as printed there)."""
    require_tool("pdfinfo")
    path = tmp_path / "subject.pdf"
    path.write_bytes(pdf)
    for line in run_tool("pdfinfo", "-enc", "UTF-8", str(path)).splitlines():
        if line.startswith("Subject:"):
            return line.split(":", 1)[1].strip()
    return ""


def pdf_qr_code(pdf: bytes, tmp_path: Path, resolution: int = 150) -> str:
    """What the QR code on the PDF's first page decodes to (the page drawn by pdftoppm, read by zbarimg)."""
    require_tool("pdftoppm")
    zbarimg = require_tool("zbarimg")
    path = tmp_path / "qr.pdf"
    path.write_bytes(pdf)
    run_tool("pdftoppm", "-png", "-r", str(resolution), "-singlefile", str(path), str(tmp_path / "qr-page"))
    return run_tool(zbarimg, "--raw", "-q", str(tmp_path / "qr-page.png")).strip()


@pytest.fixture
def completed_enrolment(make):
    """``completed_enrolment(trainee=None, module=None)``: an enrolment marked completed (no hook run)."""
    def build(trainee=None, module=None, **module_fields):
        trainee = trainee or make.trainee()
        module = module or make.module(**module_fields)
        return make.enrolment(trainee, module, status=EnrolmentStatus.COMPLETED,
                              completed_at=utcnow().replace(microsecond=0))
    return build


@pytest.fixture
def fresh(db):
    """``fresh(obj)``: ``obj`` reloaded from the database (what another request would see)."""
    def reload(obj):
        db.session.expire_all()
        return db.session.get(type(obj), obj.id)
    return reload
