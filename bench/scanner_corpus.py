"""Decode the shared corpus of real QR photographs with each decoder alone and with the pipeline.

    .venv/bin/python -m bench.scanner_corpus [CORPUS_DIR]

Prints, per decoder: images read right, wrong payloads, median and p95 ms per image (grayscale input,
best of 3 runs for timing). A read counts as right when its text equals the ground truth (one trailing
newline trimmed on both sides, as the corpus README says), or, for payloads in Shift_JIS/GB2312 with no
ECI marker, when its raw bytes equal the ground truth in that character set (counted separately).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "qr"
SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
CHARSETS = ("shift_jis", "gb2312", "gbk", "big5", "euc_kr", "latin-1")


@dataclass(frozen=True)
class Sample:
    path: Path
    truths: tuple[str, ...]


def _trim(t: str) -> str:
    return t[:-1] if t.endswith("\n") else t


def samples(root: Path = CORPUS) -> Iterator[Sample]:
    for img in sorted(p for p in root.rglob("*") if p.suffix.lower() in SUFFIXES):
        texts = [img.with_suffix(".txt"), *sorted(img.parent.glob(img.stem + ".alt-*.txt"))]
        truths = tuple(_trim(t.read_bytes().decode("utf-8")) for t in texts if t.exists())
        if truths:
            yield Sample(img, truths)


def judge(sample: Sample, codes: list[tuple[str, bytes]]) -> str:
    """'text', 'bytes' (right only when compared as bytes in another charset), 'wrong' or 'none'."""
    if not codes:
        return "none"
    for text, _ in codes:
        if _trim(text) in sample.truths:
            return "text"
    for _, raw in codes:
        for truth in sample.truths:
            for cs in CHARSETS:
                try:
                    if _trim(raw.decode(cs)) == truth:
                        return "bytes"
                except (UnicodeDecodeError, LookupError):
                    pass
    return "wrong"


Decode = Callable[[Path], list[tuple[str, bytes]]]


def run(name: str, decode: Decode, items: list[Sample], repeats: int = 3) -> dict[str, object]:
    counts = {"text": 0, "bytes": 0, "wrong": 0, "none": 0}
    times: list[float] = []
    wrong: list[str] = []
    for s in items:
        best = float("inf")
        codes: list[tuple[str, bytes]] = []
        for _ in range(repeats):
            t = time.perf_counter()
            codes = decode(s.path)
            best = min(best, (time.perf_counter() - t) * 1000)
        times.append(best)
        verdict = judge(s, codes)
        counts[verdict] += 1
        if verdict == "wrong":
            wrong.append(str(s.path.relative_to(s.path.parents[1])))
    times.sort()
    return {
        "name": name, "right": counts["text"] + counts["bytes"], "by_bytes": counts["bytes"],
        "wrong": counts["wrong"], "wrong_files": wrong, "none": counts["none"],
        "median_ms": statistics.median(times), "p95_ms": times[int(0.95 * (len(times) - 1))],
    }


def main(argv: list[str]) -> int:
    import cv2

    from scanner._pipeline import Pipeline
    from scanner.decoders import Decoder, OpenCVDecoder, ZbarDecoder, ZxingDecoder

    root = Path(argv[0]) if argv else CORPUS
    items = list(samples(root))
    cache = {s.path: cv2.imread(str(s.path), cv2.IMREAD_GRAYSCALE) for s in items}

    def alone(d: Decoder) -> Decode:
        return lambda p: [(c.text, c.raw) for c in d.decode(cache[p]).codes]

    pipe = Pipeline()

    def pipeline(p: Path) -> list[tuple[str, bytes]]:
        return [(c.text, c.raw) for c in pipe.decode(cache[p], thorough=True).codes]

    runs: list[tuple[str, Decode]] = [("zxing-cpp", alone(ZxingDecoder()))]
    zbar = ZbarDecoder()
    if zbar.info().available:
        runs.append(("pyzbar", alone(zbar)))
    else:
        print("pyzbar: unavailable:", zbar.info().unavailable)
    runs += [("opencv", alone(OpenCVDecoder())), ("pipeline (thorough)", pipeline)]
    print(f"corpus: {root} ({len(items)} images)")
    print(f"{'decoder':<22}{'right':>6}{'(bytes)':>9}{'wrong':>7}{'median ms':>11}{'p95 ms':>9}")
    for name, fn in runs:
        r = run(name, fn, items)
        print(f"{name:<22}{r['right']:>6}{r['by_bytes']:>9}{r['wrong']:>7}{r['median_ms']:>11.2f}{r['p95_ms']:>9.2f}")
        if r["wrong_files"]:
            print("    wrong:", ", ".join(map(str, r["wrong_files"])))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main(sys.argv[1:]))
