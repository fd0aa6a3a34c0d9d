"""Draw the app icons of the web app manifest: ``webapp/static/icons/icon-{192,512}.png``.

    python scripts/make_icons.py

The word أحياء in white on Ahya's teal, with the orange point of the report form's marker,
set in the bundled IBM Plex Sans Arabic (the poster font). Pillow shapes the Arabic with
libraqm. The PNGs are committed; run this again only to change the design.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from geo.drawing.poster import font_path

OUT = Path(__file__).resolve().parents[1] / "webapp" / "static" / "icons"
TEAL, ORANGE, WHITE = (11, 85, 99), (244, 162, 89), (255, 255, 255)
SIZES = (192, 512)


def draw(size: int) -> Image.Image:
    """One square icon; the text stays inside the central 80 % (Android's maskable safe zone)."""
    scale = 4  # draw large, then shrink: smooth edges without anti-aliasing support for shapes
    big = size * scale
    img = Image.new("RGB", (big, big), TEAL)
    pen = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(font_path("Bold")), int(big * 0.26))
    pen.text((big / 2, big * 0.47), "أحياء", font=font, fill=WHITE, anchor="mm", direction="rtl",
             language="ar")
    r = big * 0.06
    cx, cy = big / 2, big * 0.72
    pen.ellipse((cx - r, cy - r, cx + r, cy + r), fill=ORANGE, outline=WHITE, width=max(1, big // 90))
    return img.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        draw(size).save(OUT / f"icon-{size}.png", optimize=True)
        print(OUT / f"icon-{size}.png")


if __name__ == "__main__":
    main()
