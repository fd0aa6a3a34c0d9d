"""Report photos: check that an upload really is an image, clean it, store it.

An upload is never stored as sent. It is decoded with Pillow and re-encoded, which
drops EXIF (camera, time, GPS position), XMP and comments: a photo taken at home
must not publish the home's coordinates. The report (``Report.photo``) or organization
(``Organization.logo``) keeps the generated file name; the bytes are stored in the database
(:mod:`webapp.store.files`, as ``photos/<name>``) in the same transaction, so every app server
serves them and a failed write leaves no orphan.
"""

from __future__ import annotations

import io
import re
import secrets
import warnings
from dataclasses import dataclass

from flask import abort
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from . import files

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 2048
#: Larger images are refused before decoding: a small file can claim a huge canvas
#: (a "decompression bomb") and exhaust memory. 50 MP still admits 48 MP phone photos.
MAX_PIXELS = 50_000_000
FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
NAME = re.compile(r"^[0-9a-f]{32}\.(?:jpg|png|webp)$")

# Pillow warns above MAX_IMAGE_PIXELS and raises above twice that; ``process`` turns
# the warning into an error too, so the limit is MAX_PIXELS either way.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class PhotoError(ValueError):
    """The upload is not an acceptable photo; ``str()`` is a message for the user."""


@dataclass(frozen=True)
class CleanPhoto:
    """A re-encoded photo, ready to be written under its generated name."""

    name: str
    data: bytes
    width: int
    height: int


def _decode(raw: bytes) -> tuple[Image.Image, str]:
    """Open, verify and fully decode ``raw``; returns (image, Pillow format name)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(raw)) as probe:
                fmt = probe.format
                if fmt not in FORMATS:
                    raise PhotoError(_l("The photo must be a JPEG, PNG or WebP image."))
                probe.verify()  # checks the structure without decoding pixels
            # verify() leaves the image unusable: open it again to decode.
            img = Image.open(io.BytesIO(raw))
            if fmt == "JPEG":
                # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: far less memory for big photos.
                img.draft("RGB", (MAX_SIDE, MAX_SIDE))
            img.load()
            # Apply the EXIF orientation now, since the EXIF itself is about to be dropped.
            img = ImageOps.exif_transpose(img)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoError(_l("The photo has too many pixels.")) from exc
        except PhotoError:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
            raise PhotoError(_l("This file is not a valid image.")) from exc
    return img, fmt


def _for_format(img: Image.Image, fmt: str) -> Image.Image:
    """Convert to a mode the output format stores without surprises."""
    alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    if fmt == "JPEG":
        return img if img.mode in ("RGB", "L") else img.convert("RGB")
    if fmt == "WEBP":
        return img if img.mode in ("RGB", "RGBA") else img.convert("RGBA" if alpha else "RGB")
    if img.mode in ("RGB", "RGBA", "L", "LA"):
        return img
    return img.convert("RGBA" if alpha else "RGB")


def process(stream) -> CleanPhoto:
    """Read an upload (a file-like object) and return it cleaned, or raise PhotoError.

    Refuses more than ``MAX_BYTES``, anything but JPEG/PNG/WebP, broken files and
    decompression bombs. The result keeps the input format, at most ``MAX_SIDE``
    pixels on the long side, with no metadata except the colour profile.
    """
    raw = stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise PhotoError(_l("The photo is larger than 5 MB."))
    if not raw:
        raise PhotoError(_l("This file is not a valid image."))
    img, fmt = _decode(raw)
    icc = img.info.get("icc_profile")  # kept: colours of wide-gamut phone photos depend on it
    img = _for_format(img, fmt)
    img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    img.info = {}  # EXIF, XMP, comments, text chunks: none of it is written back
    options = {"JPEG": {"quality": 85, "optimize": True},
               "PNG": {"optimize": True},
               "WEBP": {"quality": 85}}[fmt]
    if icc:
        options["icc_profile"] = icc
    out = io.BytesIO()
    img.save(out, format=fmt, **options)
    return CleanPhoto(name=secrets.token_hex(16) + FORMATS[fmt], data=out.getvalue(),
                      width=img.width, height=img.height)


def stored_name(name: str) -> str:
    """The name of a photo or logo in the file store."""
    return "photos/" + name


def store(photo: CleanPhoto, directory=None) -> files.FileInfo:
    """Add the photo under its generated name to the session's transaction (never overwriting).

    The caller's commit (the report's or the organization's) stores it; a rollback drops it.
    ``directory`` is ignored: it is kept for callers written when photos lived on disk.
    """
    content_type = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}[
        photo.name[photo.name.rindex("."):]]
    return files.put(stored_name(photo.name), photo.data, content_type)


def discard(name: str | None, directory=None) -> None:
    """Delete a stored photo now (committed); names the app did not generate are ignored."""
    if name and NAME.match(name):
        files.remove([stored_name(name)], commit=True)


def read(name: str) -> bytes | None:
    """The bytes of a stored photo, or None."""
    return files.read(stored_name(name)) if name and NAME.match(name) else None


def send(name: str, *, max_age: int | None = 0):
    """The photo ``name`` as a response (404 if unknown), with the validators of a file on disk."""
    if not NAME.match(name or ""):
        abort(404)
    return files.send(stored_name(name), max_age=max_age)
