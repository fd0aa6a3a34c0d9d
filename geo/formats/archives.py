"""Zip and KMZ uploads, checked before anything inside them is read and then read in place.

An archive is refused (:class:`ArchiveRejected`, one-line message) when it is not a zip, holds
too many files, unpacks to too much (a zip bomb), or names a member outside itself (path
traversal: ``..``, absolute or drive-letter paths).  Nothing is ever extracted to disk: GDAL
reads the chosen member through a ``/vsizip/`` path and small sidecars are read into memory.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath

MAX_ZIP_BYTES = 200 * 1024 * 1024
MAX_ZIP_MEMBERS = 1000
ARCHIVES = (".zip", ".kmz")
#: Inside an archive, the first suffix present wins (a .csv next to a .shp is usually a table).
ARCHIVE_PRIORITY = (".shp", ".gpkg", ".kml", ".geojson", ".json", ".csv")


class ArchiveRejected(ValueError):
    """The archive is unreadable or unsafe; the message is one line saying why."""


def is_archive(path) -> bool:
    """Whether ``path`` names a zip archive by its suffix (``.zip`` or ``.kmz``, any case).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    bool
    """
    return Path(path).suffix.lower() in ARCHIVES


def safe_members(path) -> list[zipfile.ZipInfo]:
    """The members of a zip archive, after checking it is safe to read.

    Parameters
    ----------
    path : str or Path
        A zip archive (a KMZ is one too).

    Returns
    -------
    list of zipfile.ZipInfo
        Every member, directories included, as the archive lists them.

    Raises
    ------
    ArchiveRejected
        The file is not a zip archive, has more than ``MAX_ZIP_MEMBERS`` members,
        unpacks to more than ``MAX_ZIP_BYTES``, or has a member whose path is
        absolute, starts with a drive letter or contains ``..``.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveRejected("is not a valid zip archive") from exc
    if len(infos) > MAX_ZIP_MEMBERS:
        raise ArchiveRejected(f"zip archive has {len(infos)} files (limit {MAX_ZIP_MEMBERS})")
    total = sum(info.file_size for info in infos)
    if total > MAX_ZIP_BYTES:
        raise ArchiveRejected(f"zip archive unpacks to {total / 2**20:.0f} MB "
                              f"(limit {MAX_ZIP_BYTES // 2**20} MB)")
    for info in infos:
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in name.split("/"):
            raise ArchiveRejected(f"zip archive contains an unsafe path: {info.filename!r}")
    return infos


def dataset_members(path, suffixes: tuple[str, ...] = ARCHIVE_PRIORITY) -> dict[str, str]:
    """The dataset files inside a safe zip archive, keyed by layer name.

    Only files with the first of ``suffixes`` found in the archive count; macOS
    resource forks (``__MACOSX/``, ``._*``) are ignored.

    Parameters
    ----------
    path : str or Path
        A zip archive.
    suffixes : tuple of str
        Lower-case dataset suffixes in order of preference.

    Returns
    -------
    dict of str to str
        Member names keyed by file stem, or by member name when two members
        share a stem; empty when the archive holds no such file.

    Raises
    ------
    ArchiveRejected
        As :func:`safe_members`.
    """
    infos = safe_members(path)
    # macOS adds "__MACOSX/._x.shp" resource forks that look like datasets but are not.
    names = [i.filename for i in infos if not i.is_dir() and not i.filename.startswith("__MACOSX/")
             and not PurePosixPath(i.filename).name.startswith("._")]
    for suffix in suffixes:
        found = [n for n in names if n.lower().endswith(suffix)]
        if found:
            by_stem = {PurePosixPath(n).stem: n for n in sorted(found)}
            return by_stem if len(by_stem) == len(found) else {n: n for n in sorted(found)}
    return {}


def read_member(path, name: str) -> bytes | None:
    """The bytes of one member of a zip archive, its name matched ignoring case.

    Parameters
    ----------
    path : str or Path
        A zip archive already checked by :func:`safe_members`.
    name : str
        The member's path inside the archive.

    Returns
    -------
    bytes or None
        ``None`` when the archive has no such member.
    """
    wanted = name.lower()
    with zipfile.ZipFile(path) as zf:
        found = next((n for n in zf.namelist() if n.lower() == wanted), None)
        return zf.read(found) if found else None


def vsizip_path(path, member: str) -> str:
    """The GDAL path that reads ``member`` inside the archive without extracting it.

    Parameters
    ----------
    path : str or Path
        A zip archive.
    member : str
        A member name as listed by :func:`dataset_members`.

    Returns
    -------
    str
        ``/vsizip/<absolute archive path>/<member>``.
    """
    return f"/vsizip/{Path(path).resolve()}/{member}"
