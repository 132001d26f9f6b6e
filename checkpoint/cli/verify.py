"""``checkpoint verify``: one pass, a verdict; exit 0 accept, 1 reject, 2 usage or configuration error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from checkpoint.cli import EXIT_OK, EXIT_REJECT
from checkpoint.cli.common import add_verify_options, checker_from, decision_json, decision_text
from checkpoint.display import json_text, shown
from checkpoint.errors import CheckpointError, MalformedPass
from checkpoint.formats import shc_chunks

MAX_STDIN = 64 * 1024


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "verify",
        help="verify one pass offline and print the verdict",
        description="Verify one pass (CP1, HC1 or SHC text, from the command line, standard input, or a QR "
        "image; an image holding every part of a multi-part SMART Health Card is assembled). "
        "Exit status: 0 accept, 1 reject, 2 usage or configuration error.",
    )
    add_verify_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON object (verdict, reason, format, kid, ...)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("payload", nargs="?", metavar="PAYLOAD", help="the pass text, or - to read standard input")
    src.add_argument("--image", type=Path, metavar="FILE", help="a photo or screenshot of the QR code")
    p.set_defaults(run=run)


def _read_payload(args: argparse.Namespace) -> str | bytes:
    if args.image is not None:
        texts = _decode_image(args.image)
        if not texts:
            raise CheckpointError(f"{args.image}: no QR code found in the image")
        if len(texts) > 1 and all(shc_chunks.chunk_of_or_none(t) for t in texts):
            return _assemble(texts, args.image)  # the parts of a multi-part SMART Health Card
        if len(texts) > 1:
            print(f"checkpoint: {shown(args.image)}: {len(texts)} codes found; verifying the first", file=sys.stderr)
        return texts[0]
    if args.payload == "-":
        data: bytes = sys.stdin.buffer.read(MAX_STDIN + 1)
        if len(data) > MAX_STDIN:
            raise CheckpointError("standard input is larger than 64 KiB; not a pass")
        return data
    text: str = args.payload
    return text


def _assemble(texts: list[str], image: Path) -> str:
    try:
        return shc_chunks.assemble(texts)
    except MalformedPass as e:
        raise CheckpointError(f"{image}: the QR parts do not make one card ({e})") from None


def _decode_image(path: Path) -> list[str]:
    from scanner import ScannerError, decode_image_file

    try:
        return decode_image_file(path)
    except ScannerError as e:
        raise CheckpointError(str(e)) from None


def run(args: argparse.Namespace) -> int:
    decide = checker_from(args)
    decision = decide(_read_payload(args))
    if args.json:
        print(json_text(decision_json(decision)))
    else:
        print(decision_text(decision))
    return EXIT_OK if decision.accepted else EXIT_REJECT
