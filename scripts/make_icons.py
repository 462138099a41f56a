"""Draw the app's icon (a shield with a camera lens and a tick) as PNG, Windows ICO and macOS ICNS.

Run once when the design changes: ``python scripts/make_icons.py``; the files are committed in
safeguard_desktop/_resources/icons/ (the window icon, the PyInstaller executables and the macOS .app use them).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "safeguard_desktop" / "_resources" / "icons"
NAVY = (22, 52, 96, 255)
TEAL = (0, 128, 128, 255)
WHITE = (255, 255, 255, 255)


def draw(size: int = 1024) -> Image.Image:
    """The icon at ``size`` pixels, drawn large and scaled down for each size a platform asks for."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    s = size / 1024
    shield = [(512, 60), (900, 190), (880, 560), (512, 970), (144, 560), (124, 190)]
    pen.polygon([(x * s, y * s) for x, y in shield], fill=NAVY)
    inner = [(512, 130), (830, 235), (812, 545), (512, 885), (212, 545), (194, 235)]
    pen.polygon([(x * s, y * s) for x, y in inner], fill=TEAL)
    pen.ellipse([322 * s, 300 * s, 702 * s, 680 * s], fill=WHITE)  # the lens
    pen.ellipse([392 * s, 370 * s, 632 * s, 610 * s], fill=NAVY)
    pen.line([(440 * s, 492 * s), (500 * s, 552 * s), (600 * s, 432 * s)], fill=WHITE, width=int(44 * s), joint="curve")
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    big = draw()
    big.resize((256, 256), Image.Resampling.LANCZOS).save(OUT / "app.png")
    big.save(OUT / "app.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
    big.save(OUT / "app.icns")


if __name__ == "__main__":
    main()
