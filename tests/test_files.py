"""Atomic file writes (`monitoring.io.files`): the whole new file or the old one, nothing left."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from monitoring.errors import MonitoringError, OutputError
from monitoring.io.files import atomic_path, atomic_write


def test_atomic_write_replaces_the_whole_content(tmp_path: Path) -> None:
    target = tmp_path / "bericht.html"
    target.write_text("alte Fassung, deutlich länger als die neue " * 100, encoding="utf-8")
    assert atomic_write(target, "neu: Größe ä") == target
    assert target.read_text(encoding="utf-8") == "neu: Größe ä"
    assert [p.name for p in tmp_path.iterdir()] == ["bericht.html"]


def test_atomic_write_bytes_and_text_encodings(tmp_path: Path) -> None:
    atomic_write(tmp_path / "a.bin", b"\x00\x01\xff")
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01\xff"
    atomic_write(tmp_path / "b.csv", "Gemeinde;Wert\r\nSuhl;1\n", encoding="utf-8-sig")
    assert (tmp_path / "b.csv").read_bytes() == "\ufeffGemeinde;Wert\r\nSuhl;1\n".encode()
    atomic_write(tmp_path / "c.txt", "Straße", encoding="cp1252")
    assert (tmp_path / "c.txt").read_bytes() == b"Stra\xdfe"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin", "b.csv", "c.txt"]


def test_atomic_write_keeps_the_original_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    target.write_text("{}", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):  # raised while the temporary file is written
        atomic_write(target, "€", encoding="ascii")
    assert target.read_text(encoding="utf-8") == "{}"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_atomic_path_replaces_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "Integrationsmonitor_2025-Q4.zip"
    target.write_bytes(b"old")
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(f".{target.name}.")
        assert tmp.name.endswith(".tmp") and not tmp.exists()
        with zipfile.ZipFile(tmp, "w") as archive:
            archive.writestr("a.txt", "Inhalt")
        assert not target.read_bytes().startswith(b"PK")  # not yet in place
    with zipfile.ZipFile(target) as archive:
        assert archive.read("a.txt") == b"Inhalt"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_atomic_path_suffix_for_libraries_that_look_at_the_extension(tmp_path: Path) -> None:
    with atomic_path(tmp_path / "bestand.gpkg", suffix=".gpkg") as tmp:
        assert tmp.suffix == ".gpkg"
        tmp.write_bytes(b"x")
    assert (tmp_path / "bestand.gpkg").read_bytes() == b"x"


@pytest.mark.parametrize("error", [RuntimeError("Bibliothek scheitert"), KeyboardInterrupt()])
def test_atomic_path_error_mid_write_keeps_the_original(tmp_path: Path,
                                                        error: BaseException) -> None:
    target = tmp_path / "Tabellen.xlsx"
    target.write_bytes(b"good")
    with pytest.raises(type(error)), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise error
    assert target.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_atomic_path_when_the_block_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "folien.pptx"
    target.write_bytes(b"good")
    with pytest.raises(FileNotFoundError), atomic_path(target):
        pass
    assert target.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_atomic_write_interrupted_mid_write_keeps_the_original(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C (or a stop signal) while the data go to disk: no temporary file is left."""
    import os

    target = tmp_path / "index.html"
    target.write_text("alt", encoding="utf-8")

    def interrupted(_fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, "neu")
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "alt"
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


@pytest.mark.parametrize("helper", ["write", "path"])
def test_missing_folder_is_a_clear_german_error(tmp_path: Path, helper: str) -> None:
    target = tmp_path / "fehlt" / "bericht.pdf"
    with pytest.raises(OutputError, match=r"Der Ordner .*fehlt existiert nicht") as caught:
        if helper == "write":
            atomic_write(target, b"x")
        else:
            with atomic_path(target) as tmp:
                tmp.write_bytes(b"x")
    assert isinstance(caught.value, MonitoringError) and isinstance(caught.value, OSError)
    assert "bericht.pdf" in str(caught.value) and "no such directory" in str(caught.value)
    assert not (tmp_path / "fehlt").exists()
