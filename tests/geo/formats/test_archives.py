"""geo.formats.archives on zip files written into tmp_path: safety checks, dataset members, in-place reads."""

from __future__ import annotations

import zipfile

import pytest

from geo.formats.archives import (
    ArchiveRejected,
    dataset_members,
    is_archive,
    read_member,
    safe_members,
    vsizip_path,
)


def make_zip(path, members: dict[str, bytes | str]):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def rejected(path) -> str:
    with pytest.raises(ArchiveRejected) as info:
        safe_members(path)
    message = str(info.value)
    assert message and "\n" not in message
    return message


@pytest.mark.parametrize("member", ["../evil.shp", "data/../../evil.shp", "/etc/evil.shp",
                                    "C:/evil.shp", "..\\evil.shp"])
def test_zip_with_unsafe_paths_is_rejected(tmp_path, member):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok.txt", "fine")
        zf.writestr(member, b"\0" * 100)
    assert rejected(archive).startswith("zip archive contains an unsafe path")


def test_zip_with_too_many_members_is_rejected(tmp_path):
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(1001):
            zf.writestr(f"f{i}.txt", "")
    assert rejected(archive) == "zip archive has 1001 files (limit 1000)"


def test_zip_bomb_is_rejected(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf, \
            zf.open("big.shp", "w", force_zip64=True) as fh:
        for _ in range(201):
            fh.write(bytes(1 << 20))
    assert archive.stat().st_size < 2 << 20
    assert rejected(archive) == "zip archive unpacks to 201 MB (limit 200 MB)"


def test_not_a_zip_is_rejected(tmp_path):
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    assert rejected(tmp_path / "bad.zip") == "is not a valid zip archive"
    with pytest.raises(ArchiveRejected):
        dataset_members(tmp_path / "bad.zip")


def test_is_archive_by_suffix():
    assert is_archive("a.zip") and is_archive("B.KMZ")
    assert not is_archive("a.shp") and not is_archive("zip")


def test_dataset_members_prefer_shapefiles_and_skip_macos_forks(tmp_path):
    archive = make_zip(tmp_path / "up.zip", {
        "data/roads.shp": b"", "data/roads.dbf": b"", "table.csv": "a,b\n",
        "__MACOSX/._roads.shp": b"", "data/._parks.shp": b"", "data/": b""})
    assert dataset_members(archive) == {"roads": "data/roads.shp"}
    assert dataset_members(archive, (".csv",)) == {"table": "table.csv"}


def test_dataset_members_with_the_same_stem_are_keyed_by_path(tmp_path):
    archive = make_zip(tmp_path / "two.zip", {"a/x.shp": b"", "b/x.shp": b""})
    assert dataset_members(archive) == {"a/x.shp": "a/x.shp", "b/x.shp": "b/x.shp"}


def test_dataset_members_of_an_archive_without_data(tmp_path):
    assert dataset_members(make_zip(tmp_path / "readme.zip", {"README.txt": "hi"})) == {}


def test_read_member_ignores_case(tmp_path):
    archive = make_zip(tmp_path / "up.zip", {"data/Roads.CPG": "UTF-8"})
    assert read_member(archive, "data/roads.cpg") == b"UTF-8"
    assert read_member(archive, "data/roads.prj") is None


def test_vsizip_path_is_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert vsizip_path("up.zip", "data/roads.shp") == f"/vsizip/{tmp_path.resolve()}/up.zip/data/roads.shp"
