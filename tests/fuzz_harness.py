"""Coverage-guided fuzzing of each pass format: one harness for atheris (``scripts/fuzz FORMAT SECONDS``)
and for the test suite (tests/test_fuzz_targets.py: Hypothesis with ``target()``, and every file of the
kept corpus ``tests/data/fuzz/<format>/`` as a regression input).

A fuzz input is the bytes *under* the text layer, where the work is: for CP1 and HC1 the COSE bytes
(first byte odd: zlib-compressed first), for NZCP the COSE bytes (Base32), for SHC a JWS whose header
and payload are split from the input at its first 0x00 byte (the payload raw-DEFLATEd). The property:
the parser raises nothing but ``MalformedPass`` and the verifier answers with a decision.
"""

from __future__ import annotations

import base64
import json
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

from checkpoint.decision import Decision, Verdict
from checkpoint.errors import MalformedPass
from checkpoint.formats import base45, cp1, hc1, nzcp, shc, shc_chunks
from tests import hostile

FORMATS = ("cp1", "hc1", "shc", "nzcp")
CORPUS = Path(__file__).parent / "data" / "fuzz"
PARSERS: dict[str, Callable[[str], object]] = {"cp1": cp1.parse, "hc1": hc1.parse, "shc": shc.parse,
                                                "nzcp": nzcp.parse}
VERIFIER = hostile.verifier()
_PREFIX = {"cp1": "CP1:", "hc1": "HC1:"}
MAX_LEN = 6000  # bytes of a fuzz input: the most an 8 KiB text can carry, and then some


def text_for(fmt: str, data: bytes) -> str:
    """The QR text a fuzz input stands for."""
    if fmt in _PREFIX:
        body = zlib.compress(data[1:]) if data[:1] and data[0] & 1 else data[1:]
        return _PREFIX[fmt] + base45.b45encode(body)
    if fmt == "nzcp":
        return "NZCP:/1/" + base64.b32encode(data).decode().rstrip("=")
    header, _, payload = data.partition(b"\x00")
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    jws = ".".join(base64.urlsafe_b64encode(p).rstrip(b"=").decode()
                   for p in (header, c.compress(payload) + c.flush(), bytes(64)))
    return shc_chunks.encode_numeric(jws)


#: How far a refused input got, for Hypothesis's ``target()``: later layers score higher.
_STAGES = ("Base45", "zlib", "DEFLATE", "Base32", "NZCP", "SHC: the QR", "SHC: JWS header", "COSE:", "SHC: JWS payload",
           "COSE protected", "CWT claims", "claim", "vc.", "pass body", "dgc", "fhirBundle")


def stage(error: str) -> int:
    best = 0
    for i, marker in enumerate(_STAGES, start=1):
        if marker in error:
            best = i
    return best


def check(fmt: str, data: bytes) -> int:
    """Run one fuzz input; raise AssertionError (or the parser's own exception) on a broken promise.
    Returns how far the parser got (``stage``), ``len(_STAGES) + 1`` when it parsed."""
    text = text_for(fmt, data)
    try:
        PARSERS[fmt](text)
        depth = len(_STAGES) + 1
    except MalformedPass as e:
        depth = stage(str(e))
    d: Decision = VERIFIER.verify(text, hostile.NOW)
    assert d.verdict in (Verdict.ACCEPT, Verdict.REJECT) and (d.accepted or d.reason is not None)
    return depth


def seeds(fmt: str) -> list[bytes]:
    """Starting points: real passes of the format (test vectors) and the hostile corpus, unwrapped."""
    data = Path(__file__).parent / "data"
    out: list[bytes] = []
    if fmt == "cp1":
        texts = [json.loads(p.read_text())["payload"] for p in sorted((data / "cp1" / "cases").glob("valid_*.json"))]
    elif fmt == "hc1":
        texts = [json.loads(p.read_text())["PREFIX"] for p in sorted((data / "dgc").glob("*.json"))[:4]]
    elif fmt == "nzcp":
        texts = [(data / "nzcp" / "valid.txt").read_text().strip()]
    else:
        texts = []
        for p in sorted((data / "shc").glob("example-0[01]-d-jws.txt")):
            h, payload, _ = p.read_text().strip().split(".")
            pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
            out.append(base64.urlsafe_b64decode(pad(h)) + b"\x00" +
                       zlib.decompress(base64.urlsafe_b64decode(pad(payload)), -15))
    texts += [c.text for c in hostile.corpus() if c.fmt.lower() == fmt and len(c.text) <= hostile.MAX_TEXT]
    for text in texts:
        if fmt in _PREFIX:
            try:
                raw = base45.b45decode(text[4:])
            except MalformedPass:
                continue
            out.append((b"\x01" + zlib.decompress(raw)) if raw[:1] == b"\x78" else b"\x00" + raw)
        elif fmt == "nzcp":
            body = text[len("NZCP:/1/"):]
            try:
                out.append(base64.b32decode(body + "=" * (-len(body) % 8)))
            except ValueError:
                continue
    return [s for s in out if len(s) <= MAX_LEN]


def corpus_files(fmt: str) -> list[Path]:
    return sorted(p for p in (CORPUS / fmt).glob("*") if p.is_file())


def main(argv: list[str]) -> int:  # pragma: no cover (scripts/fuzz runs it, under atheris)
    """``seed FMT DIR``: write the seeds and the kept corpus into DIR; ``run FMT DIR SECONDS``: fuzz into
    DIR (libFuzzer adds an input there only when it reaches new code); ``keep FMT DIR``: copy the inputs
    the run added (not the seeds) into tests/data/fuzz/FMT, which the test suite replays."""
    usage = f"usage: python -m tests.fuzz_harness (seed|run|keep) {{{','.join(FORMATS)}}} DIR [SECONDS]"
    if len(argv) < 4 or argv[1] not in ("seed", "run", "keep") or argv[2] not in FORMATS:
        print(usage, file=sys.stderr)
        return 2
    command, fmt, work = argv[1], argv[2], Path(argv[3])
    keep = CORPUS / fmt
    keep.mkdir(parents=True, exist_ok=True)
    if command == "seed":
        work.mkdir(parents=True, exist_ok=True)
        for i, s in enumerate(seeds(fmt)):
            (work / f"seed-{i:03d}").write_bytes(s)
        for p in corpus_files(fmt):
            (work / p.name).write_bytes(p.read_bytes())
        return 0
    if command == "keep":
        added = 0
        for p in sorted(work.iterdir()):
            if not p.name.startswith("seed-") and not (keep / p.name).exists() and p.stat().st_size <= 6000:
                (keep / p.name).write_bytes(p.read_bytes())
                added += 1
        print(f"{added} new inputs kept in {keep}")
        return 0
    import subprocess

    # atheris instruments only the station's own modules (instrumenting NumPy and friends takes minutes)
    driver = (
        "import sys, atheris\n"
        "with atheris.instrument_imports(include=['checkpoint']):\n"
        "    from tests import fuzz_harness\n"
        "fmt, work, seconds = sys.argv[1:4]\n"
        "atheris.Setup([sys.argv[0], work, '-max_total_time=' + seconds, '-print_final_stats=1', '-max_len=6000',"
        " '-timeout=2', '-rss_limit_mb=2048'], lambda data: fuzz_harness.check(fmt, data))\n"
        "atheris.Fuzz()\n"
    )
    seconds = argv[4] if len(argv) > 4 and argv[4].isdigit() else "60"
    return subprocess.call([sys.executable, "-c", driver, fmt, str(work), seconds])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv))
