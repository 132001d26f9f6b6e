"""The verdict, readable from two metres: a coloured panel, the word in block letters, the reason in
plain words with the values that decided (checkpoint.words renders the decision's grounds), and what to
check against the ID card."""

from __future__ import annotations

from datetime import UTC, tzinfo

from rich.align import Align
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from checkpoint.decision import Flag, Reason, Why
from checkpoint.display import any_hidden, rich_text, shown
from checkpoint.id_cards import IdCardScan
from checkpoint.model import mask_id
from checkpoint.service import Outcome
from checkpoint.tui.i18n import Texts
from checkpoint.tui.widgets import block_text

STATES = ("ready", "accept", "reject", "check")
#: grounds whose values are technical words (a parser's, the operating system's, an exception's, in English):
#: the panel says the reason in the catalogue's words; the app writes these to app.log
TECHNICAL = frozenset({Why.DAMAGED, Why.CANNOT_RECORD, Why.UNEVALUATED})


class VerdictPanel(Static):
    def __init__(self, texts: Texts, tz: tzinfo = UTC, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.texts, self.tz = texts, tz
        self.state = "ready"
        self.outcome: Outcome | None = None
        self.plain = ""  # what the panel says, as plain text (tests, screen readers)
        self.camera = "none"  # the camera's state (checkpoint.camera_state): said on the ready panel
        self.id_scan: IdCardScan | None = None  # a chip ID card shown instead of a verdict (lane cccd)

    def set_camera(self, state: str) -> None:
        if state != self.camera:
            self.camera = state
            if self.outcome is None and self.id_scan is None:
                self.show_ready()

    def on_mount(self) -> None:
        self.show_ready()

    def on_resize(self) -> None:
        if self.id_scan is not None:
            self.show_id_card(self.id_scan)
        elif self.outcome is None:
            self.show_ready()
        else:
            self.show(self.outcome)

    def _big(self, word: str, *, scale: int = 2, spaced: bool = True) -> list[RenderableType]:
        """The word in block letters as large as the panel allows (none at scale 0), and in plain letters
        (with diacritics)."""
        out: list[RenderableType] = []
        if scale:
            scale = block_text.fitting_scale(word, max(10, self.content_size.width), largest=scale)
            if block_text.width(word, scale) <= self.content_size.width or not self.content_size.width:
                out += [_center(Text("\n".join(block_text.render(word, scale)), style="bold", no_wrap=True))]
                out += [Text("")] if spaced else []
        out.append(_center(Text(word, style="bold")))
        return out + ([Text("")] if spaced else [])

    def _fit(self, word: str, body: list[RenderableType], heading: RenderableType | None,
             details: list[RenderableType]) -> Group:
        """The largest layout that fits the panel's height: first the blank lines go, then the heading over
        the card's details, then the block letters (the plain word and the panel's colour stay)."""
        layouts = [
            (2, True, True), (1, True, True), (1, False, True), (1, False, False), (0, False, False),
        ]
        group = Group()
        for scale, spaced, headed in layouts:
            parts = [*self._big(word, scale=scale, spaced=spaced), *body]
            if details:
                parts += ([Text("")] if spaced else []) + ([heading] if headed and heading else []) + details
            group = Group(*parts)
            if self._rows(group) <= self.content_size.height:
                break
        return group

    def _rows(self, renderable: RenderableType) -> int:
        width = self.content_size.width
        if not width or not self.is_attached:
            return 0
        console = self.app.console
        return len(console.render_lines(renderable, console.options.update(width=width), pad=False))

    def _set_state(self, state: str) -> None:
        self.state = state
        for s in STATES:
            self.set_class(s == state, f"-{s}")

    def show_ready(self) -> None:
        self.outcome, self.id_scan = None, None
        self._set_state("ready")
        t = self.texts
        body = [t("verdict.ready_hint")]
        if self.camera in ("starting", "stopped", "failed"):  # a dead camera must not look ready to scan
            body.append(t(f"verdict.camera.{self.camera}"))
        self.plain = "\n".join([t("verdict.READY"), *body])
        style = "bold reverse" if self.camera in ("stopped", "failed") else "bold"
        self.update(self._fit(t("verdict.READY"), [_center(Text(body[0]))] +
                              [_center(Text(line, style=style)) for line in body[1:]], None, []))

    def show(self, outcome: Outcome) -> None:
        self.outcome, self.id_scan = outcome, None
        d = outcome.decision
        display = d.display.value
        self._set_state(display.lower())
        t = self.texts
        word = t(f"verdict.{display}")
        parts: list[RenderableType] = []
        details: list[RenderableType] = []
        lines: list[str] = []
        if d.reason is not None:
            lines.append(t.reason(d.reason.value, d.rule))
            # the values that refused (the dose, the test's age and the limit, the EU rule, the dates); grounds
            # without values say no more than the reason
            g = d.grounds
            why = t.why(g) if g is not None and g.params and g.why not in TECHNICAL \
                and d.reason is not Reason.CANNOT_RECORD else ""
            if why and why != lines[-1]:
                lines.append(why)
        if d.policy is not None:  # the centre's policy: "from Phường X, level 4: ..." (lane policy)
            said = t.why(d.policy.grounds)
            if said not in lines:
                lines.append(said)
        if outcome.log_error is not None:
            lines.append(t.log_error(outcome.log_error))
        if outcome.unevaluated:
            lines.append(t("verdict.unevaluated"))
        if d.watch is not None:  # the watch list's instruction (checkpoint.watch): what to do with this person
            lines.append(t.why(d.watch))
        card = outcome.card
        hidden = Flag.HIDDEN_CHARS in d.flags or (card is not None and any_hidden(
            (card.name, card.birth_date, card.masked_id, card.category, card.vehicle)))
        for flag in (Flag.HIDDEN_CHARS, Flag.DUPLICATE, Flag.CLOCK_SUSPECT, Flag.LISTS_STALE, Flag.MANUAL,
                     Flag.ID_IMPLAUSIBLE):
            if flag in d.flags or (flag is Flag.HIDDEN_CHARS and hidden):
                lines.append(t(f"flag.{flag.value}"))
        parts.extend(_center(rich_text(line, style="bold")) for line in lines)
        if card is not None:
            table = Table.grid(padding=(0, 2))
            table.add_column(justify="right")
            table.add_column(style="bold", no_wrap=True)
            rows = [
                (t("field.name"), card.name),
                (t("field.birth_date"), day_first(card.birth_date)),
                (t("field.id_number"), card.masked_id or ""),  # none: the document names no national id
                (t("field.category"), t.category(card.category)),
                (t("field.vehicle"), card.vehicle or ""),
                (t("field.valid_until"), f"{card.valid_until.astimezone(self.tz):%H:%M %d/%m/%Y}" if card.valid_until
                 else ""),
                (t("field.document_id"), card.document_id or ""),  # the pass's own number, not the person's
            ]
            rows = [(k, shown(v)) for k, v in rows]  # outside data: hidden characters made visible
            for k, v in rows:
                if v:
                    table.add_row(Text(k), Text(v))  # Text, never a markup string
            details.append(_center(table))
            lines += [f"{k}: {v}" for k, v in rows if v]
        self.plain = "\n".join([word, *lines])
        self.update(self._fit(word, parts, _center(Text(t("verdict.check_id"))), details))

    def show_id_card(self, scan: IdCardScan) -> None:
        """A chip ID card (CCCD): never a verdict. MATCH / MISMATCH (which fields) against the lane's recent
        pass, or "an ID card, not a pass" (F4: manual entry); red when the officer must act."""
        self.outcome, self.id_scan = None, scan
        t = self.texts
        result = scan.result
        self._set_state("reject" if result in ("mismatch", "damaged") else "check")
        lines: list[str] = []
        if scan.card is None:
            word = "CCCD"
            lines += [t("idcard.damaged")]  # why, in English: in app.log (StationApp.on_id_card_read)
        elif scan.comparison is None:
            word = "CCCD"
            lines += [t("idcard.not_a_pass"), t("idcard.unsigned"), t("idcard.manual_hint")]
        else:
            c = scan.comparison
            word = t(f"idcard.{c.result.upper()}")
            lines.append(t("idcard.compared"))
            if c.mismatched:
                lines += [t("idcard.differs", fields=", ".join(t(f"field.{f}") for f in c.mismatched)),
                          t("idcard.act")]
            if c.unchecked:
                lines.append(t("idcard.not_on_pass", fields=", ".join(t(f"field.{f}") for f in c.unchecked)))
        parts: list[RenderableType] = [_center(rich_text(line, style="bold")) for line in lines]
        details: list[RenderableType] = []
        if scan.card is not None:
            table = Table.grid(padding=(0, 2))
            table.add_column(justify="right")
            table.add_column(style="bold", no_wrap=True)
            rows = [(t("field.name"), shown(scan.card.name)),
                    (t("field.birth_date"), f"{scan.card.birth_date:%d/%m/%Y}"),
                    (t("field.id_number"), mask_id(scan.card.id_number))]
            for k, v in rows:
                table.add_row(Text(k), Text(v))  # Text, never markup: the card's text is outside data
            details.append(_center(table))
            lines += [f"{k}: {v}" for k, v in rows]
        self.plain = "\n".join([word, *lines])
        self.update(self._fit(word, parts, None, details))


def day_first(date: str) -> str:
    """``1985-03-02`` as ``02/03/1985`` (how Vietnamese ID cards write it); other forms as they are."""
    parts = date.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return "/".join(reversed(parts))
    return date


def _center(renderable: RenderableType) -> RenderableType:
    return Align.center(renderable)
