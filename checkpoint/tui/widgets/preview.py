"""A small live camera preview in half-block characters, to help the officer aim.

Each character cell shows two pixels: the upper half block ``▀`` in the top pixel's grey as foreground
over the bottom pixel's grey as background.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from scanner.frames import Image


def half_blocks(gray: Image, columns: int, rows: int) -> Text:
    """``gray`` (H, W) scaled to ``columns`` x ``2*rows`` pixels, as ``rows`` lines of ``▀``."""
    import numpy as np

    h, w = gray.shape[:2]
    ys = (np.arange(rows * 2) * h // (rows * 2)).clip(0, h - 1)
    xs = (np.arange(columns) * w // columns).clip(0, w - 1)
    small = gray[np.ix_(ys, xs)]
    out = Text(no_wrap=True, overflow="crop")
    cache: dict[tuple[int, int], Style] = {}
    for r in range(rows):
        top, bottom = small[2 * r] // 32 * 32, small[2 * r + 1] // 32 * 32  # 8 grey levels: fewer styles
        for c in range(columns):
            key = (int(top[c]), int(bottom[c]))
            style = cache.get(key)
            if style is None:
                style = cache[key] = Style(color=f"rgb({key[0]},{key[0]},{key[0]})",
                                           bgcolor=f"rgb({key[1]},{key[1]},{key[1]})")
            out.append("▀", style)
        if r < rows - 1:
            out.append("\n")
    return out


#: the Linux console font's shades, dark to light (it has no half blocks): one pixel a cell there
SHADES = " ░▒█"


def shade_blocks(gray: Image, columns: int, rows: int) -> Text:
    """``gray`` (H, W) scaled to ``columns`` x ``rows`` pixels, each a shade character (the console's)."""
    import numpy as np

    h, w = gray.shape[:2]
    ys = (np.arange(rows) * h // rows).clip(0, h - 1)
    xs = (np.arange(columns) * w // columns).clip(0, w - 1)
    levels = gray[np.ix_(ys, xs)].astype(np.int32) * len(SHADES) // 256
    return Text("\n".join("".join(SHADES[v] for v in row) for row in levels.tolist()), no_wrap=True,
                overflow="crop")


class CameraPreview(Static):
    def set_frame(self, gray: Image) -> None:
        columns, rows = max(4, self.size.width), max(2, self.size.height)
        console = getattr(self.app, "console_font", False)  # the Linux console's font has no half blocks
        self.update(shade_blocks(gray, columns, rows) if console else half_blocks(gray, columns, rows))
