"""Photo cleaning (webapp.store.photos) on images made here with Pillow: real files, no mocks."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from webapp.store import photos


def encode(img: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **options)
    return buf.getvalue()


def reopen(clean: photos.CleanPhoto) -> Image.Image:
    img = Image.open(io.BytesIO(clean.data))
    img.load()
    return img


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Phone maker"
    exif[0x0132] = "2025:05:01 10:00:00"
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 46.0, 11.0), 3: "E", 4: (35.0, 14.0, 20.0)})
    return exif


@pytest.fixture
def request_ctx(app):
    # Error messages are translated strings: read them inside a request, in English.
    with app.test_request_context("/?lang=en"):
        yield


@pytest.mark.parametrize(("fmt", "ext"), [("JPEG", ".jpg"), ("PNG", ".png"), ("WEBP", ".webp")])
def test_each_format_keeps_its_format_and_loses_exif(fmt, ext):
    raw = encode(Image.new("RGB", (300, 200), (10, 120, 200)), fmt, exif=gps_exif())
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)
    clean = photos.process(io.BytesIO(raw))
    assert clean.name.endswith(ext) and photos.NAME.match(clean.name)
    img = reopen(clean)
    assert img.format == fmt and img.size == (300, 200)
    assert len(img.getexif()) == 0 and "exif" not in img.info


def test_long_side_is_at_most_2048():
    clean = photos.process(io.BytesIO(encode(Image.new("RGB", (4100, 1000), "white"), "PNG")))
    assert (clean.width, clean.height) == (2048, 500)
    assert reopen(clean).size == (2048, 500)


def test_small_images_are_not_enlarged():
    clean = photos.process(io.BytesIO(encode(Image.new("L", (40, 30), 128), "JPEG")))
    assert (clean.width, clean.height) == (40, 30)


def test_orientation_is_applied_before_exif_is_dropped():
    exif = Image.Exif()
    exif[0x0112] = 8  # rotate 270° when shown
    clean = photos.process(io.BytesIO(encode(Image.new("RGB", (300, 100), "red"), "JPEG", exif=exif)))
    assert reopen(clean).size == (100, 300)


def test_png_text_chunks_and_xmp_are_dropped_transparency_kept():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at my home, 31.77N 35.23E")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPS</x:xmpmeta>")
    img = Image.new("RGBA", (50, 50), (255, 0, 0, 0))
    clean = photos.process(io.BytesIO(encode(img, "PNG", pnginfo=info)))
    out = reopen(clean)
    assert not any(k in out.info for k in ("Comment", "XML:com.adobe.xmp", "xmp"))
    assert b"31.77N" not in clean.data and b"xmpmeta" not in clean.data
    assert out.mode == "RGBA" and out.getpixel((0, 0))[3] == 0


def test_palette_png_with_transparency_becomes_rgba():
    img = Image.new("P", (20, 20), 0)
    img.info["transparency"] = 0
    out = reopen(photos.process(io.BytesIO(encode(img, "PNG", transparency=0))))
    assert out.mode == "RGBA"


def test_cmyk_jpeg_is_stored_as_rgb():
    out = reopen(photos.process(io.BytesIO(encode(Image.new("CMYK", (20, 20)), "JPEG"))))
    assert out.mode == "RGB"


@pytest.mark.parametrize("raw", [
    b"<html><body>not a photo</body></html>",
    b"",
    b"\xff\xd8\xff\xe0" + b"\x00" * 200,  # a JPEG signature and nothing else
], ids=["html", "empty", "jpeg-header-only"])
def test_non_images_are_refused(request_ctx, raw):
    with pytest.raises(photos.PhotoError, match="not a valid image"):
        photos.process(io.BytesIO(raw))


def test_truncated_jpeg_is_refused(request_ctx):
    raw = encode(Image.effect_noise((400, 400), 60).convert("RGB"), "JPEG")
    with pytest.raises(photos.PhotoError, match="not a valid image"):
        photos.process(io.BytesIO(raw[: len(raw) // 2]))


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused(request_ctx, fmt):
    with pytest.raises(photos.PhotoError, match="JPEG, PNG or WebP"):
        photos.process(io.BytesIO(encode(Image.new("RGB", (10, 10)), fmt)))


def test_more_than_5_mb_is_refused_before_decoding(request_ctx):
    rnd = random.Random(1)
    raw = encode(Image.frombytes("RGB", (1400, 1400), rnd.randbytes(1400 * 1400 * 3)), "PNG")
    assert len(raw) > photos.MAX_BYTES
    with pytest.raises(photos.PhotoError, match="larger than 5 MB"):
        photos.process(io.BytesIO(raw))


@pytest.mark.parametrize("size", [(8000, 7000), (12000, 12000)], ids=["above-limit", "above-twice-limit"])
def test_decompression_bombs_are_refused(request_ctx, size):
    # A 1-bit PNG of this size is a few kB on disk but tens of megapixels once decoded.
    raw = encode(Image.new("1", size, 0), "PNG")
    assert len(raw) < 200_000 and size[0] * size[1] > photos.MAX_PIXELS
    with pytest.raises(photos.PhotoError, match="too many pixels"):
        photos.process(io.BytesIO(raw))
    assert Image.MAX_IMAGE_PIXELS == photos.MAX_PIXELS


def test_store_never_overwrites_and_discard_ignores_foreign_names(app):
    """Photos are rows of the file store (no file on disk), written with the caller's commit."""
    import sqlalchemy as sa

    from webapp.extensions import db

    clean = photos.process(io.BytesIO(encode(Image.new("RGB", (10, 10)), "PNG")))
    with app.app_context():
        info = photos.store(clean)
        db.session.commit()
        assert photos.read(clean.name) == clean.data and info.content_type == "image/png"
        assert info.size == len(clean.data) and len(info.sha256) == 64
        with pytest.raises(sa.exc.IntegrityError):  # the same generated name again: refused
            photos.store(clean)
        db.session.rollback()
        photos.discard("../keep.png")
        photos.discard(None)
        assert photos.read(clean.name) == clean.data
        photos.discard(clean.name)
        assert photos.read(clean.name) is None
        rolled_back = photos.process(io.BytesIO(encode(Image.new("RGB", (10, 10)), "PNG")))
        photos.store(rolled_back)
        db.session.rollback()  # the report's transaction failed: the photo goes with it
        assert photos.read(rolled_back.name) is None
    on_disk = [p for p in Path(app.instance_path).rglob("*")
               if p.is_file() and not p.name.startswith("ahya.db")]
    assert on_disk == []


def test_names_are_random():
    raw = encode(Image.new("RGB", (10, 10)), "PNG")
    names = {photos.process(io.BytesIO(raw)).name for _ in range(20)}
    assert len(names) == 20
