"""Files under instance/ are written whole or not at all."""
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
