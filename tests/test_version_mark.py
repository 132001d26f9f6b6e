"""The highest list version in force here survives a restart; an unreadable mark is said, never trusted."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from checkpoint.version_mark import VersionMark


def test_the_mark_rises_never_falls_and_survives_a_restart(tmp_path: Path) -> None:
    said: list[tuple[str, str]] = []
    path = tmp_path / "x-version.json"
    mark = VersionMark(path, "watch list", lambda *a: said.append(a))
    assert mark.seen == 0 and not path.exists()  # nothing in force yet: nothing said
    mark.remember(3)
    mark.remember(2)  # an older list never lowers it
    assert mark.seen == 3 and json.loads(path.read_text()) == {"version": 3}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert VersionMark(path, "watch list", lambda *a: said.append(a)).seen == 3  # after a restart
    assert said == []


def test_an_unreadable_mark_is_reported_and_counts_as_none(tmp_path: Path) -> None:
    said: list[tuple[str, str]] = []
    path = tmp_path / "x-version.json"
    path.write_text("{not json")
    assert VersionMark(path, "policy bundle", lambda *a: said.append(a)).seen == 0
    assert said and said[0][0] == "policy bundle" and "unreadable" in said[0][1]
    for odd in ('{"version": true}', '{"version": "7"}', "[7]"):  # well-formed JSON, not a version: none
        path.write_text(odd)
        assert VersionMark(path, "policy bundle", lambda *a: None).seen == 0
