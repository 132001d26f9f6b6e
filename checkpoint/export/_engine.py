"""One export from start to finish: stream, filter, open or mask, write, sign, record.

Memory stays flat whatever the log's size: crossings are read one at a time from the log's
iterator, written, and forgotten. The file goes to a temporary name and is renamed only when
complete; the manifest is written after it (and the export removed if the manifest cannot be).

When the supervisor's key is given, the export is first recorded in the log's audit trail (who,
when, what filter, what format): if that cannot be recorded, no personal data is opened. A second
entry records the finished file (rows and SHA-256).

Cancelling: ``progress`` may raise (the supervisor screen raises :class:`ExportCancelled`); the
temporary file is removed and nothing is left behind.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import IO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from checkpoint.atomic import write_atomic
from checkpoint.clock import Clock
from checkpoint.crossing import PersonalData
from checkpoint.export import _columns as cols
from checkpoint.export._filters import CrossingFilter
from checkpoint.export._masking import mask
from checkpoint.export._personal import PersonalOpener
from checkpoint.export._source import ExportRow
from checkpoint.export._writers import CsvWriter, Format, JsonlWriter, RowWriter, SpreadsheetWriter
from checkpoint.export.atomic_file import ExportError, atomic_output, describe_os_error
from checkpoint.export.manifest import file_digest, manifest_path, render, sign
from checkpoint.isotime import iso_z, parse_instant
from checkpoint.sealing import UnsealError

#: ``progress(scanned, total)``; total is an estimate or None. Called every PROGRESS_EVERY crossings.
ProgressCallback = Callable[[int, int | None], None]
#: ``audit(action, details)``: records in the log's audit trail; must raise if it cannot.
Audit = Callable[[str, dict[str, str]], None]
PROGRESS_EVERY = 2000
MAX_AUDIT_TEXT = 480  # the log keeps action details of at most 512 characters


class ExportCancelled(ExportError):
    """Raised by a progress callback to stop an export; nothing is left behind."""


@dataclass(frozen=True)
class ExportRequest:
    out: Path
    format: Format
    tz: tzinfo
    tz_label: str  # e.g. "UTC+07:00", shown in the time column's header
    filters: CrossingFilter = field(default_factory=CrossingFilter)
    language: str = "vi"
    masked: bool = False  # with a supervisor key: initials and last four digits only
    overwrite: bool = False


@dataclass(frozen=True)
class ExportResult:
    path: Path
    manifest: Path
    rows: int
    scanned: int
    personal: cols.PersonalMode
    sha256: str
    bytes: int
    first_time: datetime | None
    last_time: datetime | None
    unopened: int  # rows whose personal data did not open (damaged), personal exports only


def export(rows_in: Iterable[ExportRow], request: ExportRequest, *, station_id: str,
           station_key: Ed25519PrivateKey, clock: Clock, supervisor_key: X25519PrivateKey | None = None,
           exported_by: str | None = None, total: int | None = None, progress: ProgressCallback | None = None,
           audit: Audit | None = None, chain_head: tuple[int, str] | None = None) -> ExportResult:
    """``chain_head``: seq and hash (hex) of the log's last crossing in the snapshot read (the manifest
    binds it); by default the last crossing read."""
    mode = cols.PersonalMode.SEALED
    if supervisor_key is not None:
        mode = cols.PersonalMode.MASKED if request.masked else cols.PersonalMode.FULL
    started = clock.now()
    filters_json = json.dumps(request.filters.describe(), sort_keys=True, ensure_ascii=False)
    if mode is not cols.PersonalMode.SEALED:
        if audit is None:
            raise ExportError("an export with personal data must be recorded in the log; none was given")
        audit("export.personal", {"format": request.format.value, "personal": mode.value,
                                  "file": request.out.name[-MAX_AUDIT_TEXT:], **_audit_filters(filters_json)})
    opener = PersonalOpener(supervisor_key) if supervisor_key is not None else None
    if request.filters.plates and opener is None:
        raise ExportError("a plate is sealed with the personal data: finding one needs the supervisor's key")
    table = cols.columns(mode)
    headers = cols.headers(table, request.language, request.tz_label)
    rows = scanned = 0
    first: datetime | None = None
    last: datetime | None = None
    covered: ExportRow | None = None
    last_read: ExportRow | None = None
    maker = cols.RowMaker(mode, request.language, request.tz, time_text=request.format is Format.CSV)
    jsonl = request.format is Format.JSONL
    selective = request.filters.selective
    with atomic_output(request.out, overwrite=request.overwrite) as (f, tmp):
        writer = _writer(request, f, table, headers, station_id)
        try:
            for c in rows_in:
                last_read = c
                scanned += 1
                if progress is not None and scanned % PROGRESS_EVERY == 0:
                    progress(scanned, total)
                at = parse_instant(c.recorded_at)
                if not request.filters.in_range(at):
                    continue
                covered = c
                if selective and not request.filters.matches(c, at):
                    continue
                if request.filters.plates:  # the plate is sealed: opened (whole) to compare, then masked
                    opened = _personal(opener, c, cols.PersonalMode.FULL)
                    if not request.filters.matches_plate(opened):
                        continue
                    personal = mask(opened) if opened is not None and mode is cols.PersonalMode.MASKED else opened
                else:
                    personal = _personal(opener, c, mode) if opener is not None else None
                if jsonl:
                    writer.write_object(maker.machine(c, at, personal))
                else:
                    writer.write_row(maker.human(c, at, personal))
                rows += 1
                first = at if first is None or at < first else first
                last = at if last is None or at > last else last
            writer.close()
        except BaseException:
            writer.abort()
            raise
        f.flush()
        digest, size = file_digest(tmp)
    if progress is not None:
        progress(scanned, scanned)
    unopened = opener.failed if opener is not None else 0
    body = {
        "file": request.out.name,
        "format": request.format.value,
        "bytes": size,
        "sha256": digest,
        "rows": rows,
        "first_time": iso_z(first),
        "last_time": iso_z(last),
        "filters": request.filters.describe(),
        "personal_data": mode.value,
        "personal_unopened": unopened,
        "language": request.language,
        "station_id": station_id,
        "covers_upto_seq": covered.seq if covered else None,
        "covers_upto_hash": covered.hash.hex() if covered else None,
        "chain_head_seq": chain_head[0] if chain_head else (last_read.seq if last_read else None),
        "chain_head_hash": chain_head[1] if chain_head else (last_read.hash.hex() if last_read else None),
        "created_at": iso_z(started),
        "created_by": exported_by,
    }
    mpath = manifest_path(request.out)
    try:
        write_atomic(mpath, render(sign(body, station_key)), mode=0o600)
    except OSError as e:
        request.out.unlink(missing_ok=True)
        raise ExportError(describe_os_error(e, mpath)) from None
    if mode is not cols.PersonalMode.SEALED and audit is not None:
        audit("export.personal.done", {"file": request.out.name[-MAX_AUDIT_TEXT:], "rows": str(rows),
                                       "sha256": digest})
    return ExportResult(request.out, mpath, rows, scanned, mode, digest, size, first, last, unopened)


def _writer(request: ExportRequest, f: IO[bytes], table: tuple[cols.Column, ...], headers: list[str],
            station_id: str) -> RowWriter:
    if request.format is Format.CSV:
        return CsvWriter(f, headers, [i for i, c in enumerate(table) if c.typed])
    if request.format is Format.JSONL:
        return JsonlWriter(f)
    sheet = "Lượt qua" if request.language == "vi" else "Crossings"
    return SpreadsheetWriter(f, table, headers, sheet, f"{sheet} — {station_id}")


def _personal(opener: PersonalOpener | None, c: ExportRow, mode: cols.PersonalMode) -> PersonalData | None:
    if opener is None:
        return None
    try:
        p = opener(c)
    except UnsealError as e:
        raise ExportError(str(e)) from None
    if p is None:
        return None
    return mask(p) if mode is cols.PersonalMode.MASKED else p


def _audit_filters(filters_json: str) -> dict[str, str]:
    """The filter for the audit entry; a very long one is cut, with the digest of the whole."""
    if len(filters_json) <= MAX_AUDIT_TEXT:
        return {"filters": filters_json}
    import hashlib

    return {"filters": filters_json[: MAX_AUDIT_TEXT - 1] + "…",
            "filters_sha256": hashlib.sha256(filters_json.encode()).hexdigest()}
