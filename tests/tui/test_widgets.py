"""The pieces behind the scan screen: block letters, status words, the preview, sound patterns."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from checkpoint.tui.i18n import Texts
from checkpoint.tui.sound import Sound, write_tone
from checkpoint.tui.widgets import block_text
from checkpoint.tui.widgets.preview import half_blocks
from checkpoint.tui.widgets.status_bar import Status, render_status
from checkpoint.tui.widgets.verdict_panel import day_first


def test_block_letters_drop_diacritics_and_scale() -> None:
    assert block_text.base_letters("ĐƯỢC QUA") == "DUOC QUA"
    rows = block_text.render("TỪ CHỐI")
    assert len(rows) == block_text.ROWS and len({len(r) for r in rows}) == 1
    big = block_text.render("TỪ CHỐI", 2)
    assert len(big) == 2 * block_text.ROWS and len(big[0]) > 2 * len(rows[0]) - 10
    assert block_text.fitting_scale("KIỂM TRA", 200, largest=2) == 2
    assert block_text.fitting_scale("KIỂM TRA", 60, largest=2) == 1


def test_status_words_warn_about_stale_lists_a_wrong_clock_and_a_failing_log() -> None:
    t = Texts("en")
    ok = render_status(Status(camera="running", fps=14.6, decoder="zxing", trust_age_hours=2), t).plain
    assert "15 fps" in ok and "trust 2 h," in ok and "Clock: ok" in ok and "Sync: not configured" in ok
    bad = render_status(Status(camera="failed", camera_error="camera 0: cannot open", trust_age_hours=100,
                               trust_stale_after=72, clock_suspect=True, log_error="disk_full", sync="offline",
                               sync_queue=12, online=False), t).plain
    assert "FAILED (details in app.log)" in bad and "cannot open" not in bad and "trust STALE 100 h" in bad
    assert "WRONG: check the date and time" in bad and "FAILED: Disk full" in bad
    assert "no link, 12 queued" in bad and "offline" in bad
    assert "MISSING" in render_status(Status(trust_age_hours=None), t).plain


def test_preview_puts_two_pixels_in_each_cell() -> None:
    gray = np.zeros((40, 80), dtype=np.uint8)
    gray[:25] = 255  # sampled rows 0, 5, ... 20 are white, 25, 30, 35 dark
    text = half_blocks(gray, 8, 4)
    lines = text.plain.split("\n")
    assert len(lines) == 4 and all(line == "▀" * 8 for line in lines)

    def greys(row: int) -> tuple[int, int]:
        style = text.spans[row * 8].style  # 8 cells per row
        assert not isinstance(style, str) and style.color is not None and style.bgcolor is not None
        assert style.color.triplet is not None and style.bgcolor.triplet is not None
        return style.color.triplet.red, style.bgcolor.triplet.red

    assert greys(0)[0] > 200 and greys(0)[1] > 200
    assert greys(2)[0] > 200 and greys(2)[1] == 0  # white over dark: the edge falls inside this cell
    assert greys(3) == (0, 0)


def test_bell_patterns_and_switching_off(tmp_path: Path) -> None:
    rings: list[str] = []
    later: list[float] = []

    def schedule(delay: float, fn: object) -> None:
        later.append(delay)
        assert callable(fn)
        fn()

    sound = Sound("bell", tmp_path, lambda: rings.append("ring"), schedule)
    sound.play("ACCEPT")
    assert len(rings) == 1
    sound.play("REJECT")
    assert len(rings) == 4 and later == [0.18, 0.36]
    assert sound.toggle() is False
    sound.play("CHECK")
    assert len(rings) == 4


def test_tones_are_short_valid_wav_files(tmp_path: Path) -> None:
    from checkpoint.tui.sound import TONES

    for name, notes in TONES.items():
        path = tmp_path / f"{name}.wav"
        write_tone(path, notes)
        with wave.open(str(path)) as w:
            seconds = w.getnframes() / w.getframerate()
        assert 0.2 < seconds < 1.5


def test_birth_dates_are_shown_day_first() -> None:
    assert day_first("1985-03-02") == "02/03/1985"
    assert day_first("1999") == "1999"
