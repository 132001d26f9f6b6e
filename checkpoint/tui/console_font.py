"""What the app may draw on the Linux console: the font ``scripts/install-station`` sets up there
(console-setup's Vietnamese-Fixed16: 512 glyphs) has every Vietnamese letter, box drawing and the full and
light-shade blocks, but none of the other block elements Textual draws with (``▁▔▊▎`` for input and button
edges, ``▁``..``▇`` for scrollbar ends, ``▐▌`` for a checkbox, ``▀▄`` for the preview's half blocks): the
kernel shows each of those as the font's replacement glyph. On ``TERM=linux`` the app sets the
``-console-font`` class (station.tcss gives inputs, buttons and dialogs box-drawing edges) and swaps the
few glyphs CSS cannot reach. tests/tui/test_console_font.py checks every character on screen against the
font's table."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import ClassVar

from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.widgets import Checkbox


def on_linux_console(environ: Mapping[str, str] = os.environ) -> bool:
    """The kiosk unit sets ``TERM=linux``; a terminal emulator (any font of the desktop's) never says linux."""
    return environ.get("TERM", "") == "linux"


class ConsoleScrollBarRender(ScrollBarRender):
    """The scrollbar's thumb in whole cells (the console font has no eighth blocks)."""

    VERTICAL_BARS: ClassVar[list[str]] = [" "] * 8
    HORIZONTAL_BARS: ClassVar[list[str]] = [" "] * 8


def use_console_glyphs() -> Callable[[], None]:
    """Swap Textual's glyphs the console font lacks (class-wide: one app per process); returns what puts
    them back."""
    renderer = ScrollBar.renderer
    saved = {name: Checkbox.__dict__.get(name) for name in ("BUTTON_LEFT", "BUTTON_RIGHT")}
    ScrollBar.renderer = ConsoleScrollBarRender
    Checkbox.BUTTON_LEFT, Checkbox.BUTTON_RIGHT = "[", "]"

    def put_back() -> None:
        ScrollBar.renderer = renderer
        for name, value in saved.items():
            if value is None:
                delattr(Checkbox, name)
            else:
                setattr(Checkbox, name, value)

    return put_back
