"""The bottom line the officer glances at: camera, lists, clock, log, sync, network, decoder.

On a narrow screen the line wraps between its parts (never inside one), up to three rows: the sync state
and the network stay on screen at 80 columns and on a 7-inch display."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from checkpoint.display import shown
from checkpoint.log import LogErrorCode
from checkpoint.tui.i18n import Texts


@dataclass(frozen=True)
class Status:
    camera: str = "starting"  # starting / running / stopped / failed / none
    fps: float = 0.0
    camera_error: str | None = None
    decoder: str = "-"
    trust_age_hours: float | None = None
    trust_stale_after: float = 72.0
    trust_expired: bool = False  # past its expiry: still in force (fails closed), verdicts show CHECK
    revocation_age_hours: float | None = None  # None: no revocation list installed
    revocation_expired: bool = False
    clock_suspect: bool = False
    log_error: LogErrorCode | None = None  # the log's error code after a crossing could not be recorded
    sync: str | None = None  # None: not configured; else a short state
    sync_queue: int = 0
    online: bool | None = None  # None: unknown (no sync)
    # lane policy: the centre's policy bundle in force (None: none), its age, expired, software below its minimum
    policy_version: int | None = None
    policy_age_hours: float = 0.0
    policy_expired: bool = False
    policy_outdated: bool = False


class StatusBar(Static):
    def __init__(self, texts: Texts, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.texts = texts
        self.status = Status()

    def on_mount(self) -> None:
        self.set_status(self.status)

    def on_resize(self) -> None:
        self.set_status(self.status)

    def set_status(self, status: Status) -> None:
        self.status = status
        self.update(wrap_parts(status_parts(status, self.texts), max(20, self.size.width - 2)))


SEPARATOR = "  │  "


def wrap_parts(parts: list[Text], width: int) -> Text:
    """The parts on as few lines of ``width`` cells as they fit, broken only between two parts."""
    out = Text(no_wrap=True, overflow="ellipsis")
    line = 0
    for part in parts:
        if line and line + len(SEPARATOR) + part.cell_len > width:
            out.append("\n")
            line = 0
        elif line:
            out.append(SEPARATOR, style="dim")
            line += len(SEPARATOR)
        out.append_text(part)
        line += part.cell_len
    return out


def render_status(s: Status, t: Texts) -> Text:
    """The status on one line (for a wide screen, and the tests)."""
    return wrap_parts(status_parts(s, t), 10**6)


def status_parts(s: Status, t: Texts) -> list[Text]:
    parts: list[Text] = []

    def part(label: str, value: str, bad: bool = False, warn: bool = False) -> None:
        out = Text()
        out.append(f"{label}: ", style="dim")
        out.append(shown(value), style="bold red" if bad else "bold yellow" if warn else "bold")
        parts.append(out)

    if s.camera == "running":
        part(t("status.camera"), t("status.camera.running", fps=f"{s.fps:.0f}"))
    elif s.camera == "failed":
        # the catalogue's words only: the library's or the exception's own words (English) are in app.log
        part(t("status.camera"), t("status.camera.failed"), bad=True)
    else:
        part(t("status.camera"), t(f"status.camera.{s.camera}"), warn=s.camera == "stopped")
    # both lists in one part: expired is red (still applied: fails closed), older than stale_after amber
    out = Text()
    parts.append(out)
    out.append(f"{t('status.lists')}: ", style="dim")
    for i, (name, hours, expired) in enumerate(((t("status.lists.trust"), s.trust_age_hours, s.trust_expired),
                                                (t("status.lists.revocations"), s.revocation_age_hours,
                                                 s.revocation_expired))):
        if i:
            out.append(", ", style="dim")
        out.append(f"{name} ")
        words, style = _list_age(t, hours, expired, s.trust_stale_after, required=i == 0)
        out.append(words, style=style)
    if s.policy_version is not None:
        words = t("policy.status.stale", version=s.policy_version) if s.policy_expired else t(
            "policy.status", version=s.policy_version, age=t("status.lists.age", hours=f"{s.policy_age_hours:.0f}"))
        out = Text()
        out.append(words, style="bold red" if s.policy_expired else "bold yellow" if s.policy_outdated else "bold")
        parts.append(out)
    part(t("status.clock"), t("status.clock.suspect") if s.clock_suspect else t("status.clock.ok"),
         bad=s.clock_suspect)
    if s.log_error is not None:
        part(t("status.log"), f"{t('status.log.failed')}: {t.log_error(s.log_error)}", bad=True)
    else:
        part(t("status.log"), t("status.log.ok"))
    if s.sync is None:
        part(t("status.sync"), t("status.sync.none"), warn=True)
    else:
        part(t("status.sync"), f"{t('status.sync.' + s.sync)}, {t('status.sync.queue', count=s.sync_queue)}",
             bad=s.sync in ("refused", "error"), warn=s.sync == "offline")
    if s.online is not None:
        part(t("status.network"), t("status.online") if s.online else t("status.offline"), warn=not s.online)
    part(t("status.decoder"), s.decoder)  # the least needed at a glance: last, so a narrow screen wraps it
    return parts


def _list_age(t: Texts, hours: float | None, expired: bool, stale_after: float, *, required: bool) -> tuple[str, str]:
    """(words, style) for one list: missing, expired (red), older than ``stale_after`` hours (amber), or its age."""
    if hours is None:
        return t("status.lists.missing"), "bold red" if required else "bold yellow"
    h = f"{hours:.0f}"
    if expired:
        return t("status.lists.expired", hours=h), "bold red"
    if hours > stale_after:
        return t("status.lists.stale", hours=h), "bold yellow"
    return t("status.lists.age", hours=h), "bold"
