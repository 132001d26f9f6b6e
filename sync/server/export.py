"""Central export for supervisors: crossings across stations as CSV or JSON Lines, streamed.

Personal fields stay sealed (base64 in ``sealed``) unless the supervisor's private key is given; then
they are opened (the crossing id is the associated data, as the log seals them) and written as columns.
A blob that does not open is counted and left out, never guessed. The file is written under a
temporary name and renamed when complete, so a failed export leaves no partial file behind.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint.crossing import PERSONAL_FIELDS, PersonalData, aad_for
from checkpoint.crossing.fields import EXTENSION_FIELDS
from checkpoint.display import defuse
from checkpoint.errors import CheckpointError
from checkpoint.export.atomic_file import atomic_output
from checkpoint.sealing import UnsealError, unseal

FORMATS = ("csv", "jsonl")
COLUMNS = (
    "station_id", "seq", "id", "recorded_at", "system_time", "clock_suspect", "officer_id", "lane", "direction",
    "format", "kid", "verdict", "reason", "display", "rule", "rules_applied", "flags", "manual", "category",
    "expires", "pass_id_hash", "id_number_hash", "hash",
    *EXTENSION_FIELDS,  # fields added since (vehicle_id, vehicle_role, ...): empty for crossings without them
    "disposition",  # lane dispositions: the latest one the station recorded for the crossing (sync.server.dispositions)
)


@dataclass(frozen=True)
class ExportResult:
    rows: int
    unopened: int  # sealed blobs the key did not open (wrong key, or altered)


def open_sealed(crossing: Mapping[str, Any], key: X25519PrivateKey) -> PersonalData | None:
    sealed = crossing.get("sealed")
    if not sealed:
        return None
    return PersonalData.from_json_bytes(unseal(base64.b64decode(sealed), key, aad_for(str(crossing["id"]))))


def cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text: lists joined, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        value = ";".join(str(v) for v in value)
    return defuse(str(value))


def write_export(crossings: Iterable[Mapping[str, Any]], out: Path, fmt: str, key: X25519PrivateKey | None = None,
                 progress: Callable[[int], None] | None = None) -> ExportResult:
    if fmt not in FORMATS:
        raise CheckpointError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    with atomic_output(out, overwrite=True) as (raw, _):
        f = io.TextIOWrapper(raw, encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="")
        try:
            result = (_csv if fmt == "csv" else _jsonl)(f, _opened(crossings, key), key is not None, progress)
            f.flush()
        finally:
            with contextlib.suppress(ValueError, OSError):
                f.detach()  # the binary file belongs to atomic_output
    return result


_Row = tuple[Mapping[str, Any], PersonalData | None, bool]


def _opened(crossings: Iterable[Mapping[str, Any]], key: X25519PrivateKey | None) -> Iterator[_Row]:
    for c in crossings:
        if key is None:
            yield c, None, False
            continue
        try:
            yield c, open_sealed(c, key), False
        except (UnsealError, ValueError):
            yield c, None, True


def _csv(f: TextIO, rows: Iterator[_Row], personal: bool, progress: Callable[[int], None] | None) -> ExportResult:
    header = list(COLUMNS) + (list(PERSONAL_FIELDS) if personal else ["sealed"])
    w = csv.writer(f)
    w.writerow(header)
    n = bad = 0
    for c, p, unopened in rows:
        values = [cell(c.get(k)) for k in COLUMNS]
        if personal:
            values += [cell(getattr(p, k)) if p else "" for k in PERSONAL_FIELDS]
        else:
            values.append(cell(c.get("sealed")))
        w.writerow(values)
        n, bad = n + 1, bad + unopened
        if progress and n % 1000 == 0:
            progress(n)
    return ExportResult(n, bad)


def _jsonl(f: TextIO, rows: Iterator[_Row], personal: bool, progress: Callable[[int], None] | None) -> ExportResult:
    n = bad = 0
    for c, p, unopened in rows:
        doc = dict(c)
        if personal:
            doc.pop("sealed", None)
            doc["personal"] = vars(p) if p else None
        f.write(json.dumps(doc, ensure_ascii=False, sort_keys=True) + "\n")
        n, bad = n + 1, bad + unopened
        if progress and n % 1000 == 0:
            progress(n)
    return ExportResult(n, bad)
