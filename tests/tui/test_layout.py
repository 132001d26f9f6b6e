"""The scan screen lays itself out for 80x24 and up, a 7-inch 800x480 display (about 100x30) and even 60x20:
the verdict word whole, the card's "valid until", the direction, the lane, the sign-out key and the sync
state all on screen (read from what the terminal would show, not from the widgets' wishes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Label
from textual.widgets._footer import FooterKey

from checkpoint.tui.app import StationApp
from checkpoint.tui.messages import TextScanned
from checkpoint.tui.widgets import block_text
from tests.tui.conftest import make_services, workers_done

pytestmark = pytest.mark.asyncio

SIZES = [(80, 24), (100, 30), (60, 20)]


def screen_lines(app: StationApp) -> list[str]:
    """The text the terminal shows, row by row."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def visible(app: StationApp, widget: object) -> bool:
    from textual.widget import Widget

    assert isinstance(widget, Widget)
    region = widget.region
    return bool(widget.display) and region.area > 0 and app.screen.region.contains_region(region)


@pytest.mark.parametrize("language", ["en", "vi"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_everything_the_officer_needs_is_on_screen(tmp_path: Path, size: tuple[int, int],
                                                         language: str) -> None:
    world = make_services(tmp_path, language=language)
    t = world.services.texts
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        app.post_message(TextScanned(world.text("valid"), "camera"))
        await pilot.pause()
        await workers_done(app)
        await pilot.pause()
        lines = screen_lines(app)
        text = "\n".join(lines)
        word = t("verdict.ACCEPT")
        assert any(line.strip("┃ ") == word for line in lines), text  # the plain word, whole
        rows = block_text.render(word, 1)
        assert any(rows[0].strip() in line for line in lines), text  # the block letters, whole
        assert any(t("field.valid_until") in line and "27/07/2021" in line for line in lines), text
        for selector in ("#direction", "#lane"):
            label = app.screen.query_one(selector, Label)
            assert visible(app, label), selector
        assert f"{t('scan.direction')}: {t('scan.direction.in')}" in text
        assert f"{t('scan.lane')}: 1" in text
        f10 = [k for k in app.screen.query(FooterKey) if k.key == "f10"]
        assert f10 and visible(app, f10[0]), text
        assert f"{t('key.sign_out')}" in text
        assert f"{t('status.sync')}: {t('status.sync.none')}" in text, text
