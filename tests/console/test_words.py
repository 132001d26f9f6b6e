"""The console's catalogue: every word in Vietnamese and English, and every word a page uses is in it."""

from __future__ import annotations

import re
from pathlib import Path

from checkpoint.crossing.disposition import CODES
from sync.server.console.words import LANGS, WORDS

TEMPLATES = Path(__file__).parents[2] / "sync" / "server" / "console" / "templates"
ROUTES = Path(__file__).parents[2] / "sync" / "server" / "console" / "routes.py"


def test_every_word_has_every_language() -> None:
    for key, entry in WORDS.items():
        assert set(entry) == set(LANGS), key
        assert all(entry[lang].strip() for lang in LANGS), key


def test_every_word_used_is_in_the_catalogue() -> None:
    used = set()
    for page in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"""t\(["']([a-z_]+)["']\)""", page.read_text()))
    code = ROUTES.read_text()
    used |= set(re.findall(r"""Refused\(\d+, "([a-z_]+)\"""", code))
    used |= set(re.findall(r"""word\("([a-z_]+)\"""", code))
    used |= {"role_admin", "role_supervisor", "role_auditor", "silent", "stale_list", "behind", "clock",  # from values
             "name", "id_number", "birth_date", "phone", "vehicle", "origin", "destination", "purpose"}
    used |= {f"disp_{code}" for code in CODES}  # figures.html: t("disp_" ~ code), one per disposition code
    assert len(used) > 60
    assert sorted(used - set(WORDS)) == []


def test_every_account_rule_the_console_raises_has_words() -> None:
    """Each ``CheckpointError(..., code=...)`` of the console's accounts is said in the page's language
    (``routes.account_rule``: ``rule_<code>``), never in the command line's English."""
    import re
    from pathlib import Path

    import sync.server.console as console
    from sync.server.console.words import WORDS

    folder = Path(console.__file__).parent
    codes = {c for p in folder.glob("*.py") for c in re.findall(r"""code=["']([a-z_]+)""", p.read_text("utf-8"))}
    assert {"password_short", "user_exists"} <= codes  # the search finds them
    missing = [c for c in sorted(codes) if not all(WORDS.get(f"rule_{c}", {}).get(lang) for lang in ("vi", "en"))]
    assert missing == []
