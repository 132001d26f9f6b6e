"""The verdict, readable from two metres: a coloured panel, the word in block letters, the reason in
plain words, and what to check against the ID card."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from checkpoint.decision import Flag
from checkpoint.tui.i18n import Texts
from checkpoint.tui.pipeline import Outcome
from checkpoint.tui.widgets import block_text

STATES = ("ready", "accept", "reject", "check")


class VerdictPanel(Static):
    def __init__(self, texts: Texts, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.texts = texts
        self.state = "ready"
        self.outcome: Outcome | None = None
        self.plain = ""  # what the panel says, as plain text (tests, screen readers)

    def on_mount(self) -> None:
        self.show_ready()

    def _set_state(self, state: str) -> None:
        self.state = state
        for s in STATES:
            self.set_class(s == state, f"-{s}")

    def show_ready(self) -> None:
        self.outcome = None
        self._set_state("ready")
        t = self.texts
        self.plain = f"{t('verdict.READY')}\n{t('verdict.ready_hint')}"
        self.update(Group(_big(t("verdict.READY")), Text(t("verdict.ready_hint"), justify="center")))

    def show(self, outcome: Outcome) -> None:
        self.outcome = outcome
        d = outcome.decision
        display = d.display.value
        self._set_state(display.lower())
        t = self.texts
        word = t(f"verdict.{display}")
        parts: list[RenderableType] = [_big(word)]
        lines: list[str] = []
        if d.reason is not None:
            lines.append(t.reason(d.reason.value, d.rule))
        if outcome.log_error is not None:
            lines.append(t(f"logerr.{outcome.log_error}"))
        for flag in (Flag.DUPLICATE, Flag.CLOCK_SUSPECT, Flag.MANUAL):
            if flag in d.flags:
                lines.append(t(f"flag.{flag.value}"))
        parts.append(Text("\n".join(lines), justify="center", style="bold"))
        card = outcome.card
        if card is not None:
            table = Table.grid(padding=(0, 2))
            table.add_column(justify="right")
            table.add_column(style="bold")
            rows = [
                (t("field.name"), card.name),
                (t("field.birth_date"), card.birth_date),
                (t("field.id_number"), card.masked_id),
                (t("field.category"), t.category(card.category)),
                (t("field.vehicle"), card.vehicle or ""),
                (t("field.valid_until"), f"{card.valid_until:%d/%m/%Y %H:%M} UTC" if card.valid_until else ""),
            ]
            for k, v in rows:
                if v:
                    table.add_row(k, v)
            parts.append(Text(t("verdict.check_id"), justify="center"))
            parts.append(_centered(table))
            lines += [f"{k}: {v}" for k, v in rows if v]
        self.plain = "\n".join([word, *lines])
        self.update(Group(*parts))


def _big(word: str) -> RenderableType:
    from rich.align import Align

    rows = block_text.render(word)
    return Group(Align.center(Text("\n".join(rows), style="bold", no_wrap=True)),
                 Text(word, justify="center", style="bold"))


def _centered(renderable: RenderableType) -> RenderableType:
    from rich.align import Align

    return Align.center(renderable)
