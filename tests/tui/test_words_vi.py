"""In Vietnamese mode no English reaches the officer's or the supervisor's screen: each screen is driven
through its error paths (an export to a folder that cannot be written, a clock mark that cannot be written,
a list the server sent refused, a damaged officers file, a wrong first-run step, a damaged CCCD) and shows
the catalogue's Vietnamese words, while the English detail goes to app.log. A static check walks the app's
code: no literal English text handed to a widget, a notice or a key."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from textual.command import CommandInput, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Button, Input, Label

from checkpoint.clock import FixedClock
from checkpoint.tui.app import StationApp
from checkpoint.tui.app_logs import LOG_FILE
from checkpoint.tui.first_run_app import FirstRunApp
from checkpoint.tui.i18n import Texts
from checkpoint.tui.screens.first_run_work import Setup
from checkpoint.tui.screens.manual_entry import ManualEntryScreen
from checkpoint.tui.screens.officers import OfficersScreen
from checkpoint.tui.screens.supervisor import SupervisorScreen
from tests.tui.conftest import NOW, World, cheap_hasher, make_services, workers_done

SIZE = (140, 44)
MARK = "ZQX-7731-kaboom"  # a distinctive English detail: it must show nowhere on screen
#: words of an English error message (the operating system's, an exception's); none is a Vietnamese word
ENGLISH = re.compile(r"\b(the|cannot|not|is|Error|Errno|directory|denied|refused|failed|file|write|station id|"
                     r"damaged|PEM|must|characters|no such)\b")
TUI = Path(__file__).resolve().parents[2] / "checkpoint" / "tui"


def screen_text(app: StationApp | FirstRunApp) -> str:
    """What the terminal shows, and the notices (toasts) up or queued."""
    lines = [strip.text for strip in app.screen._compositor.render_strips()]
    return "\n".join(lines + [str(n.message) for n in app._notifications])


def said(app: StationApp | FirstRunApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Label).render())


async def settle(pilot: Pilot[None] | Pilot[list[str] | None]) -> None:
    for _ in range(2):
        await pilot.pause()
        await workers_done(pilot.app)
    await pilot.pause()


def app_log(world: World) -> str:
    return (world.services.data_dir / LOG_FILE).read_text(encoding="utf-8")


async def supervisor_screen(world: World, pilot: Pilot[None]) -> SupervisorScreen:
    app = pilot.app
    assert isinstance(app, StationApp)
    await app.push_screen(SupervisorScreen(world.services, world.supervisor))
    await settle(pilot)
    assert isinstance(app.screen, SupervisorScreen)
    return app.screen


@pytest.mark.asyncio
async def test_an_export_to_a_folder_that_cannot_be_written_is_said_in_vietnamese(tmp_path: Path) -> None:
    world = make_services(tmp_path / "station", language="vi")
    t = world.services.texts
    blocker = tmp_path / "usb"
    blocker.write_text("a file where the export folder should be", encoding="utf-8")
    world.services.export_dir = blocker / "exports"  # mkdir fails: "Not a directory"
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await supervisor_screen(world, pilot)
        screen.query_one("#export", Button).press()
        await settle(pilot)
        message = said(app, "#sup-message")
        assert message == t("sup.export_failed", error=t("error.not_found"))
        assert not ENGLISH.search(message) and "usb" not in message
        assert "Not a directory" not in screen_text(app) and not screen.query_one("#export", Button).disabled
    assert "Not a directory" in app_log(world)  # the English detail: in the log file


@pytest.mark.asyncio
async def test_a_clock_mark_that_cannot_be_written_is_said_in_vietnamese(tmp_path: Path) -> None:
    world = make_services(tmp_path, language="vi")
    t = world.services.texts
    guard = world.services.station.guard
    assert guard.path is not None
    guard.path.unlink(missing_ok=True)
    guard.path.mkdir()  # the mark's file is a folder now: it cannot be written
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await supervisor_screen(world, pilot)
        for _ in range(2):  # the second press confirms
            screen.query_one("#clock-reset", Button).press()
            await settle(pilot)
        message = said(app, "#sup-message")
        assert message == t("sup.clock_failed", error=t("error.is_folder"))
        assert not ENGLISH.search(message) and "clock mark" not in screen_text(app)
    assert "cannot write the clock mark" in app_log(world)


@pytest.mark.asyncio
async def test_the_station_s_problems_are_said_in_vietnamese_on_the_supervisor_screen(tmp_path: Path) -> None:
    world = make_services(tmp_path, language="vi")
    t = world.services.texts
    problems = world.services.station.problems
    # what the sync client and the station report (English, for the log): the supervisor reads the catalogue's
    problems.set("sync trust list", f"the trust list from the server was refused ({MARK}); the list in force stays")
    problems.set("watch list", f"installed watch list /x/watch-list.cose refused: {MARK}")
    problems.set("revocation list time", f"the installed revocation list v3 is issued at {MARK}")
    problems.set("policy software version", f"this station's software is older than {MARK}")
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await supervisor_screen(world, pilot)
        shown = screen_text(app)
        assert t("sup.problem.server", what=t("list.trust")) in shown
        assert t("sup.problem.other", what=t("list.watch")) in shown
        assert t("sup.problem.time", what=t("list.revocations")) in shown
        assert t("sup.problem.software") in shown
        assert MARK not in shown and "refused" not in shown


@pytest.mark.asyncio
async def test_a_damaged_officers_file_on_the_officers_screen_is_said_in_vietnamese(tmp_path: Path) -> None:
    world = make_services(tmp_path, language="vi")
    t = world.services.texts
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(OfficersScreen(world.services, world.supervisor))
        await settle(pilot)
        (tmp_path / "officers.json").write_text('{"officers": [ ' + MARK, encoding="utf-8")  # damaged meanwhile
        app.screen.query_one("#off-unlock-id", Input).value = "CB01"
        app.screen.query_one("#unlock", Button).press()
        await settle(pilot)
        message = said(app, "#off-message")
        assert message == t("off.error", error=t("error.officers_damaged"))
        assert not ENGLISH.search(message) and MARK not in screen_text(app)
    assert "officers file is damaged" in app_log(world)


@pytest.mark.asyncio
async def test_a_damaged_cccd_in_the_manual_entry_is_said_in_vietnamese(tmp_path: Path) -> None:
    world = make_services(tmp_path, language="vi")
    t = world.services.texts
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(ManualEntryScreen(t, NOW))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ManualEntryScreen)
        assert not screen.fill_from_card("001085012345||Nguyễn Văn A|02031985|Giới tính lạ|x|10052021")
        await settle(pilot)
        message = said(app, "#manual-message")
        assert message == t("idcard.damaged")
        assert "CCCD:" not in message and not ENGLISH.search(message)
    assert "CCCD: the sex is neither" in app_log(world)


@pytest.mark.asyncio
async def test_the_first_run_says_a_wrong_step_in_vietnamese(tmp_path: Path) -> None:
    data = tmp_path / "data"
    setup = Setup(data / "station.toml", data, FixedClock(NOW), hasher=cheap_hasher())
    t = Texts("vi")
    app = FirstRunApp(setup, t)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#fr-id", Input).value = "TRAM 07"  # a space: not a station id
        app.screen.query_one("#fr-name", Input).value = "Cửa khẩu"
        app.screen.query_one("#fr-next", Button).press()
        await settle(pilot)
        message = said(app, "#fr-message")
        assert message == t("fr.error", error=t("error.station_id"))
        assert not ENGLISH.search(message)
    assert "station id 'TRAM 07'" in (data / LOG_FILE).read_text(encoding="utf-8")  # the English: in app.log


@pytest.mark.asyncio
async def test_the_footer_s_command_palette_key_is_in_vietnamese(tmp_path: Path) -> None:
    world = make_services(tmp_path, language="vi")
    t = world.services.texts
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=SIZE) as pilot:  # wide: the footer shows the palette's key
        await settle(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert t("key.palette") in footer and "palette" not in footer
        await pilot.press("ctrl+p")  # the palette itself: its search line and its commands
        await settle(pilot)
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        assert palette.query_one(CommandInput).placeholder == t("palette.search")
        commands = list(app.get_system_commands(app.scan))
        assert t("palette.quit") in [c.title for c in commands]
        assert not {"Quit", "Theme", "Keys", "Screenshot"} & {c.title for c in commands}
        app.pop_screen()
        app.search_themes()  # the theme picker's search line
        await settle(pilot)
        assert app.screen.query_one(CommandInput).placeholder == t("palette.search_themes")
        app.pop_screen()
        await pilot.press("ctrl+c")  # Textual's hint: which key quits
        await settle(pilot)
        assert t("app.quit_hint", keys="ctrl+q") in screen_text(app) and "Press" not in screen_text(app)


# -- static: no literal English handed to the screen --------------------------------------------------------
#: calls that put text on screen, and which of their arguments is the text (position, keyword)
SHOWN: dict[str, tuple[int | None, tuple[str, ...]]] = {
    "notify": (0, ("message", "title")), "Static": (0, ("content", "renderable")), "Label": (0, ("content",)),
    "Button": (0, ("label",)), "Checkbox": (0, ("label",)), "RadioButton": (0, ("label",)),
    "Input": (None, ("placeholder", "tooltip")), "Binding": (2, ("description", "tooltip")),
    "_say": (0, ()), "update": (0, ()), "bind": (2, ("description",)),
}
LETTERS = re.compile(r"[A-Za-z]{2,}")


def literal_words(node: ast.expr) -> list[str]:
    """The letters a literal string (or an f-string's literal parts) puts on screen."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return LETTERS.findall(node.value)
    if isinstance(node, ast.JoinedStr):
        return [w for part in node.values for w in literal_words(part)]
    return []


def call_name(call: ast.Call) -> str | None:
    f = call.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        if f.attr == "notify" and not ((isinstance(f.value, ast.Name) and f.value.id == "self")
                                       or (isinstance(f.value, ast.Attribute) and f.value.attr == "app")):
            return None  # self.notifier.notify("READY=1"): systemd's, not the screen's
        return f.attr
    return None


def english_in_tui() -> list[str]:
    found = []
    for path in sorted(TUI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or (name := call_name(node)) not in SHOWN:
                continue
            position, keywords = SHOWN[name]
            args = [node.args[position]] if position is not None and len(node.args) > position else []
            args += [k.value for k in node.keywords if k.arg in keywords]
            for arg in args:
                if words := literal_words(arg):
                    found.append(f"{path.relative_to(TUI)}:{node.lineno}: {name}({' '.join(words)})")
    return found


def test_no_literal_english_is_handed_to_the_screen() -> None:
    assert english_in_tui() == []


def test_the_static_check_finds_literal_english() -> None:
    tree = ast.parse('self.notify("Export failed")\nyield Static(f"Total: {n}")\nBinding("escape", "close", "Close")\n'
                     'self.notifier.notify("READY=1")\nyield Label(t("sup.title"))\n')
    calls = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Call) and call_name(n) in SHOWN),
                   key=lambda n: n.lineno)
    words = [literal_words(c.args[SHOWN[call_name(c) or ""][0] or 0]) for c in calls]
    assert [w for w in words if w] == [["Export", "failed"], ["Total"], ["Close"]]


# -- every code has its words, in both languages ------------------------------------------------------------
ROOT = TUI.parents[1]
CODE = re.compile(r"""code=f?["']([a-z_.]+)""")


def test_every_error_code_raised_has_words() -> None:
    from checkpoint.tui.error_words import CLASSES, ERRNO

    console = ROOT / "sync" / "server" / "console"  # the web console's codes have its own words (tests/console)
    codes = {c for d in ("checkpoint", "sync") for p in (ROOT / d).rglob("*.py") if console not in p.parents
             for c in CODE.findall(p.read_text(encoding="utf-8")) if not c.endswith(".")}
    assert {"officers_damaged", "station_id", "config.sync.server_url"} <= codes  # the search finds them
    codes |= set(CLASSES.values()) | set(ERRNO.values()) | {"io", "unknown"}
    codes |= {f"refused.{c}" for c in ("enrolment_refused", "unknown_station", "revoked", "bad_signature")}
    for language in ("vi", "en"):
        t = Texts(language)
        assert [c for c in sorted(codes) if not t.has(f"error.{c}")] == [], language


def test_every_sync_state_and_station_problem_has_words() -> None:
    from checkpoint.tui.screens.supervisor import problem_words
    from sync.worker import SyncState

    for language in ("vi", "en"):
        t = Texts(language)
        assert all(t.has(f"status.sync.{s}") for s in [*SyncState, "starting"])
        for source in ("sync trust list", "config revocation list", "watch list time", "policy bundle", "key folder"):
            assert "{" not in problem_words(t, source) and source not in problem_words(t, source)


@pytest.mark.asyncio
async def test_a_damaged_cccd_scanned_on_the_scan_screen_is_said_in_vietnamese(tmp_path: Path) -> None:
    from checkpoint.tui.messages import TextScanned
    from checkpoint.tui.widgets.verdict_panel import VerdictPanel

    world = make_services(tmp_path, language="vi")
    t = world.services.texts
    app = StationApp(world.services, officer=world.officer)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.post_message(TextScanned("001085012345||Nguyễn Văn A|02031985|Giới tính lạ|x|10052021", "camera"))
        await settle(pilot)
        plain = app.scan.query_one(VerdictPanel).plain
        assert t("idcard.damaged") in plain and "CCCD:" not in plain and not ENGLISH.search(plain)
    assert "CCCD: the sex is neither" in app_log(world)


def test_errors_map_to_the_catalogue_s_words() -> None:
    import errno

    from checkpoint.errors import CheckpointError, ConfigError, ListExpiredError
    from checkpoint.log import LogError, LogErrorCode
    from checkpoint.tui.error_words import error_key
    from sync.errors import Refused, Unreachable

    t = Texts("vi")

    def raised_from(os_error: OSError) -> CheckpointError:
        try:
            try:
                raise os_error
            except OSError:
                raise CheckpointError("cannot write /x (why)") from None
        except CheckpointError as e:
            return e

    assert error_key(PermissionError(errno.EACCES, "Permission denied"), t) == "error.permission"
    assert error_key(raised_from(OSError(errno.ENOSPC, "No space left on device")), t) == "error.disk_full"
    assert error_key(raised_from(OSError(errno.EROFS, "Read-only file system")), t) == "error.read_only"
    assert error_key(raised_from(OSError(errno.EIO, "I/O error")), t) == "error.io"
    assert error_key(LogError(LogErrorCode.DISK_FULL, "x"), t) == "logerr.disk_full"
    assert error_key(CheckpointError("x", code="officers_damaged"), t) == "error.officers_damaged"
    assert error_key(CheckpointError("x", code="not-in-the-catalogue"), t) == "error.unknown"
    assert error_key(ConfigError("x", key="sync.server_url"), t) == "error.config.sync.server_url"
    assert error_key(ConfigError("x", key="ui.sound"), t) == "error.config"
    assert error_key(ListExpiredError("x"), t) == "error.list_expired"
    assert error_key(Refused("x", code="refused.enrolment_refused"), t) == "error.refused.enrolment_refused"
    assert error_key(Refused("x", code="refused.whatever"), t) == "error.server_refused"  # a code it has no words for
    assert error_key(Unreachable("x"), t) == "error.server_unreachable"
    assert error_key(RuntimeError(MARK), t) == "error.unknown"
