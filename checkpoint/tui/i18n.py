"""The app's words: the station's one catalogue, :mod:`checkpoint.words` (kept here so screens import it as before)."""

from checkpoint.words import CATALOGS, EN, VI, Texts

__all__ = ["CATALOGS", "EN", "VI", "Texts"]
