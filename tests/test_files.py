"""Files the academy keeps (under instance/, or on storage every machine shares): where they go, and written whole or not at all."""
from __future__ import annotations

import os
import stat

import pytest

from academy import files
from academy.files import write_atomically


def test_a_new_file_is_written_with_its_folder_and_mode(tmp_path):
    path = tmp_path / "ab" / "cd" / "content.pdf"
    write_atomically(path, b"%PDF-1.7 whole", mode=0o640, durable=True)
    assert path.read_bytes() == b"%PDF-1.7 whole"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert os.listdir(path.parent) == ["content.pdf"]


def test_an_existing_file_is_replaced_whole(tmp_path):
    path = tmp_path / "module.yaml"
    path.write_bytes(b"old")
    write_atomically(path, b"new and longer")
    assert path.read_bytes() == b"new and longer"


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing_behind(tmp_path, monkeypatch):
    path = tmp_path / "handbook.pdf"
    path.write_bytes(b"old")

    def disk_full(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", disk_full)
    with pytest.raises(OSError):
        write_atomically(path, b"new")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["handbook.pdf"]


def test_a_file_created_once_is_never_replaced(tmp_path):
    path = tmp_path / "keys" / "signing_key.pem"
    assert files.create_once(path, b"first", mode=0o600) is True
    assert files.create_once(path, b"second") is False
    assert path.read_bytes() == b"first"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(path.parent) == ["signing_key.pem"]


def test_the_folders_of_kept_files_can_be_put_on_shared_storage(tmp_path, monkeypatch):
    """With more than one machine, uploads, certificates, handbooks and the signing key go where
    every machine finds them (README, Configuration)."""
    from academy.config import build_config

    shared = tmp_path / "shared"
    names = {"UPLOAD_DIR": "uploads", "CERTIFICATE_DIR": "certificates", "HANDBOOK_DIR": "handbooks",
             "MAIL_DIR": "mail", "CERTIFICATE_SIGNING_KEY_FILE": "signing_key.pem"}
    for variable, name in names.items():
        monkeypatch.setenv(variable, str(shared / name))
    config = build_config(tmp_path / "instance")
    assert {variable: config[variable] for variable in names} == {
        variable: str(shared / name) for variable, name in names.items()}
