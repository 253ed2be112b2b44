"""The printable counter card: store name, "Scan to join", the QR code and the short link.

Drawn with Pillow alone (its bundled font, no system fonts), so it renders the
same on the embedded default and in production. One image, saved as PNG or as
a one-page PDF at print resolution (A6 portrait at 300 dpi).
"""

from __future__ import annotations

import io
from functools import lru_cache

import segno
from PIL import Image, ImageDraw, ImageFont

DPI = 300
CARD_SIZE = (1240, 1748)  # A6 portrait (105 x 148 mm) at 300 dpi
MARGIN = 90
GREEN = (15, 61, 46)
INK = (17, 24, 22)
MUTED = (74, 90, 84)
WHITE = (255, 255, 255)


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Loading the bundled font is the slow part of a card; a process needs a few sizes.
    return ImageFont.load_default(size=size)


def _wrapped(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> list[str]:
    """``text`` broken into lines that fit ``width`` at ``size``; a long word keeps its line."""
    font = _font(size)
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(candidate, font=font) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines or [""]


def _fitting_size(draw: ImageDraw.ImageDraw, text: str, sizes: tuple[int, ...], width: int) -> int:
    """The largest size at which ``text`` fits ``width`` in at most two lines, word by word."""
    for size in sizes:
        lines = _wrapped(draw, text, size, width)
        if len(lines) <= 2 and all(
            draw.textlength(line, font=_font(size)) <= width for line in lines
        ):
            return size
    return sizes[-1]


def _centred_lines(
    draw: ImageDraw.ImageDraw,
    lines: list[str],
    *,
    top: int,
    size: int,
    fill: tuple[int, int, int],
    bold: bool = False,
) -> int:
    """Draw the lines centred from ``top``; returns the y below the last one."""
    font = _font(size)
    y = top
    for line in lines:
        draw.text(
            (CARD_SIZE[0] // 2, y),
            line,
            font=font,
            fill=fill,
            anchor="ma",
            stroke_width=2 if bold else 0,
            stroke_fill=fill,
        )
        y += int(size * 1.25)
    return y


def _qr_image(url: str, side: int) -> Image.Image:
    """The QR code built from its modules (nothing decoded), scaled to about ``side`` px."""
    rows = list(segno.make(url, error="m").matrix_iter(scale=1, border=4))
    modules = len(rows)
    image = Image.new("L", (modules, modules), 255)
    image.putdata([0 if dark else 255 for row in rows for dark in row])
    scale = max(1, side // modules)
    # Whole pixels per module and no smoothing keep every edge sharp for the scanner.
    return image.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)


def counter_card_image(*, store_name: str, join_url: str, short_url: str) -> Image.Image:
    """The card as an RGB image; ``join_url`` is what the QR code opens."""
    width, height = CARD_SIZE
    inner = width - 2 * MARGIN
    card = Image.new("RGB", CARD_SIZE, WHITE)
    draw = ImageDraw.Draw(card)

    band = 150
    draw.rectangle((0, 0, width, band), fill=GREEN)
    draw.text((width // 2, band // 2), "golfshots", font=_font(70), fill=WHITE, anchor="mm")

    name_size = _fitting_size(draw, store_name, (110, 96, 84, 72, 60), inner)
    y = _centred_lines(
        draw,
        _wrapped(draw, store_name, name_size, inner)[:2],
        top=band + 70,
        size=name_size,
        fill=INK,
        bold=True,
    )
    invite = f"Scan to join {store_name} on golfshots"
    invite_size = _fitting_size(draw, invite, (56, 50, 44, 38), inner)
    y = _centred_lines(
        draw,
        _wrapped(draw, invite, invite_size, inner)[:2],
        top=y + 20,
        size=invite_size,
        fill=MUTED,
    )

    url_size = _fitting_size(draw, short_url, (52, 46, 40, 34, 28), inner)
    url_top = height - MARGIN - url_size
    qr_side = min(inner, url_top - 40 - (y + 30))
    qr = _qr_image(join_url, qr_side)
    card.paste(qr.convert("RGB"), ((width - qr.width) // 2, y + 30))
    draw.text((width // 2, url_top), short_url, font=_font(url_size), fill=INK, anchor="ma")
    return card


def counter_card_bytes(
    *, store_name: str, join_url: str, short_url: str, image_format: str
) -> bytes:
    """The card encoded as ``PNG`` or ``PDF`` (one A6 page)."""
    output = io.BytesIO()
    counter_card_image(store_name=store_name, join_url=join_url, short_url=short_url).save(
        output,
        format=image_format,
        resolution=DPI,
        dpi=(DPI, DPI),
        quality=95,  # Pillow stores a PDF page as a JPEG: keep the QR's edges crisp
    )
    return output.getvalue()
