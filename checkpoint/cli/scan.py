"""``checkpoint scan``: source -> decode -> verify, headless; one line (or JSON object) per event.

Sources: a camera (``0``, ``/dev/video0``), an RTSP/HTTP stream, a video file, an image, or a folder of
images (ends after the last one). Live sources run until Ctrl-C or ``--seconds``; a camera that fails is
reconnected with backoff and its state goes to standard error, never ending the scan.

For images (a file or a folder) every image gets a line: one per code found, or one with ``text`` null
when none was. For cameras, streams and videos a pass held in view gives one event per ``--debounce``
seconds. With ``--record`` each verdict is also recorded in the station's crossing log (station lists and
clock only; a verdict that cannot be recorded becomes REJECT CANNOT_RECORD, as at the terminal).
Personal data stays out of the output unless --show-personal is given (the output of a scan running as
a service ends in the system journal): the name becomes initials, the id number keeps its last four
digits as on the screens, and the birth date, vehicle, route, purpose and pass id are left out.
Exit status: 0 scanned to the end (or stopped), 2 the source could not be used.
"""

from __future__ import annotations

import argparse
import queue
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from checkpoint.card_parts import CardParts, PartialCard
from checkpoint.cli import EXIT_OK, EXIT_USAGE
from checkpoint.cli.common import add_verify_options
from checkpoint.display import error_text, json_text, shown
from checkpoint.errors import CheckpointError


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "scan", help="scan QR codes from a camera, stream, video, image or folder and verify them",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--source", required=True, metavar="SRC",
                   help="camera index or /dev/videoN, rtsp:// or http(s):// URL, video file, image, or folder")
    add_verify_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON object per line")
    p.add_argument("--decode-only", action="store_true", help="print the decoded text only; do not verify")
    p.add_argument("--record", action="store_true",
                   help="record each verdict in the station's crossing log (not with --trust, --at or --decode-only)")
    p.add_argument("--show-personal", action="store_true",
                   help="print the holder's full name, id number and birth date (default: initials and the id "
                   "number's last four digits only)")
    p.add_argument("--debounce", type=float, default=3.0, metavar="SECONDS",
                   help="live sources: report the same code again only after this long out of view (default 3)")
    p.add_argument("--seconds", type=float, metavar="N", help="stop a live source after N seconds")
    p.add_argument("--decoders", default="zxing,zbar,opencv", metavar="LIST",
                   help="decoder order, comma-separated (default zxing,zbar,opencv)")
    p.add_argument("--size", default="1280x720", metavar="WxH", help="camera resolution to ask for (default 1280x720)")
    p.add_argument("--fps", type=float, default=30.0, help="camera frame rate to ask for (default 30)")
    p.set_defaults(run=run)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = text.lower().split("x")
        return int(w), int(h)
    except ValueError:
        raise CheckpointError(f"--size {text!r} is not WIDTHxHEIGHT (e.g. 1280x720)") from None


#: text -> where a multi-part card stands, or (Decision, recorded Crossing or None)
Decide = Callable[[str], "PartialCard | tuple[Any, Any]"]


def run(args: argparse.Namespace) -> int:
    decide: Decide | None = None
    service: Any = None
    if args.record:
        decide, service = _recording_decider(args)
    elif not args.decode_only:
        decide = _verifying_decider(args)
    try:
        return _scan(args, decide)
    finally:
        if service is not None:
            service.close()


def _verifying_decider(args: argparse.Namespace) -> Decide:
    """Verify only (nothing recorded): ``--trust`` or the station's lists, at ``--at`` or now."""
    from checkpoint.cli.common import checker_from, clock_from

    check, clock = checker_from(args), clock_from(args)
    parts = CardParts()  # a multi-part SMART Health Card is decided once all its codes are read

    def decide(text: str) -> PartialCard | tuple[Any, Any]:
        whole = parts.add(text, clock.now())
        return whole if isinstance(whole, PartialCard) else (check(whole), None)

    return decide


def _recording_decider(args: argparse.Namespace) -> tuple[Decide, Any]:
    """The station service (as the app): its own lists and guarded clock, decide then record or refuse
    (never admit unrecorded); multi-part cards are held by the service."""
    if args.trust is not None or args.at or args.decode_only:
        raise CheckpointError("--record uses the station's own trust lists and clock: drop --trust, --at and "
                              "--decode-only")
    from checkpoint.cli.common import config_from
    from checkpoint.clock import SystemClock
    from checkpoint.service import Post, StationService

    config = config_from(args)
    service = StationService.open(config, SystemClock(), data_dir=args.data_dir)
    post = Post(None, config.station.lane, config.station.direction)

    def decide(text: str) -> PartialCard | tuple[Any, Any]:
        out = service.check(text, post)
        return out if isinstance(out, PartialCard) else (out.decision, out.crossing)

    return decide, service


def _scan(args: argparse.Namespace, decide: Decide | None) -> int:
    from scanner import (
        CaptureSettings,
        Debouncer,
        Pipeline,
        PipelineConfig,
        Reconnecting,
        ScanLoop,
        ScanResult,
        SourceError,
        SourceStatus,
        open_source,
    )
    from scanner.sources import FolderSource, ImageFileSource

    w, h = _size(args.size)
    try:
        source = open_source(args.source, CaptureSettings(w, h, args.fps))
        pipeline = Pipeline(PipelineConfig(decoders=tuple(d.strip() for d in args.decoders.split(",") if d.strip())))
    except (SourceError, ValueError, RuntimeError) as e:
        raise CheckpointError(str(e)) from None
    still = isinstance(source, FolderSource | ImageFileSource)
    results: queue.Queue[ScanResult] = queue.Queue()
    errors: list[BaseException] = []

    def on_status(s: SourceStatus) -> None:
        if s.state == "lost" or (s.state == "live" and source.live):
            print(f"checkpoint: {shown(s.notice.text)}", file=sys.stderr)

    loop = ScanLoop(Reconnecting(source, on_status=on_status), results.put, pipeline,
                    on_error=errors.append, thorough=still)
    debouncer = Debouncer(args.debounce)
    deadline = time.monotonic() + args.seconds if args.seconds else None
    loop.start()
    try:
        while True:
            if deadline is not None and time.monotonic() >= deadline:
                break
            try:
                r = results.get(timeout=0.2)
            except queue.Empty:
                if loop.finished.is_set() and results.empty():
                    break
                continue
            texts = list(r.texts) if still else debouncer.feed(r.texts, r.frame_time)
            if still and not texts:
                _emit(args, r, None, None, still)
            for text in texts:
                got = decide(text) if decide else (None, None)
                if isinstance(got, PartialCard):
                    _emit(args, r, text, None, still, part=got)
                    continue
                decision, crossing = got
                _emit(args, r, text, decision, still, crossing)
    finally:
        loop.stop(timeout=10)
    source_failed = [err for err in errors if isinstance(err, SourceError)]
    for err in errors:
        if err not in source_failed:
            print(f"checkpoint: {error_text(err)}", file=sys.stderr)
    if source_failed:
        print(f"checkpoint: {error_text(source_failed[-1])}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _emit(args: argparse.Namespace, r: Any, text: str | None, decision: Any, still: bool,
          crossing: Any = None, part: PartialCard | None = None) -> None:
    total_ms = (time.monotonic() - r.frame_time) * 1000.0
    where: str | int = r.source if still else r.frame_index
    if args.json:
        out: dict[str, object] = {"source": where, "frame": r.frame_index}
        if args.decode_only:
            out["text"] = text
        else:
            from checkpoint.cli.common import decision_json

            if part is not None:
                out.update(verdict=None, reason=None, detail=_part_detail(part),
                           part={"have": part.have, "total": part.total, "missing": list(part.missing)})
            else:
                out.update((decision_json(decision) if args.show_personal else masked_json(decision_json(decision)))
                           if decision is not None else {"verdict": None, "reason": None, "detail": "no QR code found"})
            if args.record:
                out["crossing_id"] = crossing.id if crossing is not None else None
        out.update(decode_ms=round(r.decode_ms, 2), total_ms=round(total_ms, 2), dropped=r.dropped)
        print(json_text(out), flush=True)  # C1, bidi and zero-width characters as \\u escapes
        return
    label = shown(Path(where).name) if isinstance(where, str) else f"frame {where}"  # a file name is outside data
    if part is not None:
        print(f"{label}: {_part_detail(part)}", flush=True)
    elif args.decode_only or decision is None:
        # any QR's text, as read: control, bidi and zero-width characters as visible escapes
        said = shown(text) if text is not None else "(no QR code found)"
        print(f"{label}: {said}", flush=True)
    else:
        from checkpoint.cli.common import decision_text

        verdict = decision_text(decision) if args.show_personal else masked_text(decision)
        print(f"{label}: {verdict}  [{r.decode_ms:.1f} ms decode, {total_ms:.1f} ms total]", flush=True)


#: Fields of a decision's JSON that say nothing about who the holder is: printed as they are.
PLAIN_FIELDS = frozenset({"verdict", "reason", "display", "detail", "format", "kid", "issuer", "issued", "expires",
                          "category", "certificate", "flags", "rule", "rules_applied", "evaluated_at",
                          "clock_suspect"})


def masked_json(doc: dict[str, object]) -> dict[str, object]:
    """A decision's JSON without personal data: initials, the id number's last four digits, the rest left out.

    An allow-list: a field this function does not know is left out (fail closed), so a field added to the
    decision later never reaches the journal unmasked by accident."""
    from checkpoint.export import mask_name
    from checkpoint.model import mask_id

    out = {k: v for k, v in doc.items() if k in PLAIN_FIELDS}
    name, number = doc.get("name"), doc.get("id_number")
    out["name"] = mask_name(name) if isinstance(name, str) else None
    out["id_number"] = mask_id(number) if isinstance(number, str) and number else None
    out["personal"] = "masked"
    return out


def masked_text(decision: Any) -> str:
    """The decision for the terminal (or a journal) without personal data: what :func:`masked_json` keeps."""
    from checkpoint.cli.common import decision_json
    from checkpoint.display import shown

    doc = masked_json(decision_json(decision))
    head = f"{doc['display']}  {str(doc['reason']) + ': ' if doc.get('reason') else ''}{doc.get('detail') or ''}"
    rows = [("Name", doc.get("name")), ("ID number", doc.get("id_number")), ("Category", doc.get("category")),
            ("Valid until", doc.get("expires")), ("Issuer", doc.get("issuer"))]
    lines = [shown(head)]  # the detail and the fields came from the pass: through the display boundary
    if doc.get("clock_suspect"):
        lines.append(f"  (station clock is behind trusted time: evaluated at {doc.get('evaluated_at')})")
    flags = doc.get("flags")
    if isinstance(flags, list) and flags:
        lines.append(f"  flags: {', '.join(shown(f) for f in flags)}")
    return "\n".join(lines + [f"  {k + ':':<12} {shown(v)}" for k, v in rows if v])


def _part_detail(part: PartialCard) -> str:
    missing = ", ".join(str(i) for i in part.missing)
    return f"part {part.have} of {part.total} of a SMART Health Card read; waiting for part(s) {missing}"
