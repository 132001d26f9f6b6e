"""Textual's command palette (ctrl+p) in the station's words: its key in the footer, its search lines (commands,
themes) and its commands. A command the catalogue has no words for is left out rather than shown in English:
so are Textual's "Keys" (its panel lists Textual's own widgets' keys in English) and "Screenshot" (which says
where it saved the picture in English). Also ctrl+c's hint (Textual's: "Press ctrl+q to quit the app")."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any, Generic, TypeVar

from textual.app import App, SystemCommand
from textual.command import CommandPalette
from textual.screen import Screen
from textual.theme import ThemeProvider

from checkpoint.tui.i18n import Texts

#: Textual's system commands by their English title, and their catalogue key (``<key>.help``: the line below)
SYSTEM = {"Theme": "palette.theme", "Quit": "palette.quit", "Maximize": "palette.maximize",
          "Minimize": "palette.minimize"}


def palette_key(app: App[Any], t: Texts) -> None:
    """The footer's palette key described in the station's words (call after ``App.__init__``)."""
    bindings = app._bindings.key_to_bindings
    for key, items in bindings.items():
        bindings[key] = [replace(b, description=t("key.palette"), tooltip=t("palette.search"))
                         if b.action == "command_palette" else b for b in items]


def open_palette(app: App[Any], t: Texts) -> None:
    """``App.action_command_palette`` with the search line in the station's words."""
    if app.use_command_palette and not CommandPalette.is_open(app):
        app.push_screen(CommandPalette(id="--command-palette", placeholder=t("palette.search")))


def open_themes(app: App[Any], t: Texts) -> None:
    """``App.search_themes`` with the search line in the station's words."""
    app.push_screen(CommandPalette(providers=[ThemeProvider], placeholder=t("palette.search_themes")))


def system_commands(commands: Iterable[SystemCommand], t: Texts) -> Iterator[SystemCommand]:
    """Textual's system commands, titled in the station's words; one without words is left out."""
    for c in commands:
        key = SYSTEM.get(c.title)
        if key is not None:
            yield SystemCommand(t(key), t(f"{key}.help"), c.callback, c.discover)


def help_quit(app: App[Any], t: Texts) -> None:
    """``App.action_help_quit`` (ctrl+c no longer quits: say which key does) in the station's words."""
    for key, active in app.active_bindings.items():
        if active.binding.action in ("quit", "app.quit"):
            app.notify(t("app.quit_hint", keys=key), title=t("app.quit_title"))
            return


ReturnT = TypeVar("ReturnT")


class AppInWords(App[ReturnT], Generic[ReturnT]):
    """An app whose palette, theme search, system commands and ctrl+c hint speak the station's words
    (``self.texts``, set by the subclass): the station app and the first-run app."""

    texts: Texts

    def action_command_palette(self) -> None:
        open_palette(self, self.texts)

    def search_themes(self) -> None:
        open_themes(self, self.texts)

    def action_help_quit(self) -> None:
        help_quit(self, self.texts)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        return system_commands(super().get_system_commands(screen), self.texts)
