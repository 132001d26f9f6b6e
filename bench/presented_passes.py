"""How soon a pass shown to a 30 fps camera is read: the station's pipeline beside zxing-cpp alone.

    .venv/bin/python -m bench.presented_passes [--quick] [--passes N] [--seed 1] [--pi-factor 4]

Seeded footage (``scanner._presented``): per difficulty (easy, medium, hard) a row of passes, CP1-sized
(280 Base45 characters, ECC M) and HC1-sized (600 characters, ECC Q) in turn, each shown on 1280x720
frames: a few empty frames, the code sliding in from the nearest edge and slowing down (motion blur),
then held with hand shake, under sensor noise, a glare spot, low contrast and JPEG compression.

Frames-to-verdict counts frames after the first one on which the whole code (quiet zone included) is
inside the picture: 0 means read on that very frame, 3 on the fourth. A pass not read before it is
taken away counts as unread (and is left out of the percentiles). Three readers see the same frames:

- pipeline: ``scanner.Pipeline`` as the app builds it, one instance for the whole run, fed every frame
  in order (its fallback turns and counters run exactly as in the scan loop), first text = verdict (the
  app's debouncer passes a text through on its first sighting);
- pipeline, live on a Pi: the same, but as the live scan loop runs it on a Raspberry Pi 4: frames
  arrive every 33.3 ms and the decoder always takes the newest one, each decode taking this machine's
  CPU time for it times ``--pi-factor``; frames that arrive while it is busy are dropped. This row
  depends on measured times, so it can move a little between runs; the others are deterministic;
- zxing-cpp alone on every frame (grayscale, its defaults but QR only).

CPU time is the process time of each decode (OpenCV's worker threads included), p50/p95 over all
frames of the run, empty ones included.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner._presented import Level
    from scanner.frames import Image

FRAME_MS = 1000.0 / 30.0


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


@dataclass
class Tally:
    name: str
    to_verdict: list[int] = field(default_factory=list)  # frames from in view to verdict, read passes
    unread: int = 0
    wrong: int = 0
    cpu: list[float] = field(default_factory=list)  # ms per decoded frame
    decoded: int = 0
    dropped: int = 0
    per_pass: list[int | None] = field(default_factory=list)  # frames to verdict of each pass, None: unread
    stills: int = 0  # --oracle: held frames decoded each on its own ...
    still_reads: int = 0  # ... and read

    def line(self, passes: int) -> str:
        read = len(self.to_verdict)
        tv = [float(v) for v in self.to_verdict]
        p50 = f"{pct(tv, 0.5):.0f}" if tv else "-"
        p90 = f"{pct(tv, 0.9):.0f}" if tv else "-"
        worst = f"{max(self.to_verdict)}" if tv else "-"
        drop = f"{self.dropped}/{self.decoded + self.dropped}" if self.dropped else "-"
        return (f"  {self.name:<27}{read:>4}/{passes:<3}{100 * read / passes:>6.0f}%{p50:>6}{p90:>6}{worst:>6}"
                f"{self.wrong:>6}{statistics.median(self.cpu):>9.2f}{pct(self.cpu, 0.95):>9.2f}"
                f"{max(self.cpu):>9.1f}{drop:>12}")


def timed(f: Callable[[Image], tuple[str, ...]], image: Image) -> tuple[tuple[str, ...], float]:
    c = time.process_time()
    texts = f(image)
    return texts, (time.process_time() - c) * 1000.0


def judge(tally: Tally, texts: tuple[str, ...], text: str, index: int, in_view: int) -> bool:
    """Record a verdict if this frame gives one; True when the pass is done."""
    if not texts:
        return False
    if text in texts:
        tally.to_verdict.append(max(0, index - in_view))
        tally.per_pass[-1] = max(0, index - in_view)
    else:
        tally.wrong += 1
    return True


def union_reader() -> Callable[[Image], tuple[str, ...]]:
    """Every decoder on simple variants of the frame, until one reads: what cheap means could do at best."""
    import cv2

    from scanner.decoders import OpenCVDecoder, ZbarDecoder, ZxingDecoder
    from scanner.frames import as_image

    zx, zg, zb, oc = ZxingDecoder(), ZxingDecoder("global"), ZbarDecoder(), OpenCVDecoder()
    clahe = cv2.createCLAHE(2.0, (8, 8))
    variants: list[Callable[[Image], Image]] = [
        lambda g: g,
        lambda g: as_image(cv2.GaussianBlur(g, (3, 3), 0)),
        lambda g: as_image(cv2.medianBlur(g, 3)),
        lambda g: as_image(clahe.apply(g)),
        lambda g: as_image(cv2.resize(g, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC)),
        lambda g: as_image(cv2.resize(cv2.GaussianBlur(g, (3, 3), 0), None, fx=2, fy=2,
                                      interpolation=cv2.INTER_CUBIC)),
    ]

    def read(g: Image) -> tuple[str, ...]:
        for v in variants:
            img = v(g)
            for d in (zx, zg, zb, oc):
                if d is oc and img.shape[1] > g.shape[1]:
                    continue  # OpenCV on an enlarged 720p frame: seconds, and it never helped
                codes = d.decode(img).codes
                if codes:
                    return tuple(c.text for c in codes)
        return ()

    return read


def run_level(level: Level, passes: int, seed: int, hold: int, lead: int, pi_factor: float,
              oracle: bool = False) -> list[Tally]:
    from scanner._pipeline import Pipeline
    from scanner._presented import frames, in_view_index
    from scanner.decoders import ZxingDecoder
    from scanner.synthetic import fake_pass_text

    pipe, live_pipe, zx = Pipeline(), Pipeline(), ZxingDecoder()
    tu = Tally("union of decoders x variants")
    union = union_reader() if oracle else None
    tp, tl, tz = Tally("pipeline (every frame)"), Tally(f"pipeline, live on Pi (x{pi_factor:g})"), \
        Tally("zxing-cpp alone")
    for k in range(passes):
        s = seed * 10_000 + k
        hc1 = k % 2 == 1
        text = fake_pass_text(600 if hc1 else 280, s, prefix="HC1:" if hc1 else "CP1:")
        in_view = in_view_index(text, s, level, lead=lead, hold=hold)
        shot = list(frames(text, s, level, lead=lead, hold=hold))
        done_p = done_z = False
        for t in (tp, tl, tz):
            t.per_pass.append(None)
        for i, img in enumerate(shot):
            if not done_p:
                texts, ms = timed(lambda g: pipe.decode(g).texts, img)
                tp.cpu.append(ms)
                tp.decoded += 1
                done_p = judge(tp, texts, text, i, in_view)
            if not done_z:
                texts, ms = timed(lambda g: tuple(c.text for c in zx.decode(g).codes), img)
                tz.cpu.append(ms)
                tz.decoded += 1
                done_z = judge(tz, texts, text, i, in_view)
            if done_p and done_z:
                break
        tp.unread += not done_p
        tz.unread += not done_z
        # The live loop: a frame arrives every FRAME_MS; the decoder takes the newest and is busy for
        # CPU x factor; the frames that came meanwhile, but the newest, are dropped.
        busy_until, i, done_l = 0.0, 0, False
        while i < len(shot) and not done_l:
            arrive = i * FRAME_MS
            start = max(arrive, busy_until)
            newest = max(i, min(len(shot) - 1, int(start // FRAME_MS + 1e-9)))
            tl.dropped += newest - i
            i = newest
            texts, ms = timed(lambda g: live_pipe.decode(g).texts, shot[i])
            tl.cpu.append(ms)
            tl.decoded += 1
            busy_until = start + ms * pi_factor
            done_l = judge(tl, texts, text, i, in_view)
            i += 1
        tl.unread += not done_l
        if union is not None:  # the union of decoders and variants, from the first frame in view
            tu.per_pass.append(None)
            for i in range(in_view, len(shot)):
                texts, ms = timed(union, shot[i])
                tu.cpu.append(ms)
                if judge(tu, texts, text, i, in_view):
                    break
            tu.unread += tu.per_pass[-1] is None
            # still frames: the last 3 held frames each on their own (a fresh pipeline each)
            for img in shot[-3:]:
                tu.stills += 1
                tp.stills += 1
                tz.stills += 1
                tu.still_reads += text in union(img)
                tp.still_reads += text in Pipeline().decode(img).texts
                tz.still_reads += text in tuple(c.text for c in zx.decode(img).codes)
    return [tp, tl, tz, tu] if oracle else [tp, tl, tz]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="6 passes per difficulty, shorter holds (~30 s)")
    ap.add_argument("--passes", type=int, default=None, help="passes per difficulty (default 24, quick 6)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pi-factor", type=float, default=4.0,
                    help="how many times slower a Raspberry Pi 4 core is than this machine's (default 4)")
    ap.add_argument("--levels", default="easy,medium,hard")
    ap.add_argument("--oracle", action="store_true",
                    help="also the union of all decoders over simple variants (slow: ~1 s a frame)")
    args = ap.parse_args(argv)

    import scanner._pipeline  # noqa: F401 - load the libraries before timing anything
    from scanner._presented import LEVELS
    from scanner.decoders import ZxingDecoder

    ZxingDecoder().decode(__import__("numpy").zeros((64, 64), "uint8"))
    passes = args.passes or (6 if args.quick else 24)
    hold = 20 if args.quick else 30
    lead = 3
    print(f"presented passes: 1280x720 at 30 fps, {passes} per difficulty (CP1 280 / HC1 600 characters in "
          f"turn), {lead} empty frames, slide-in, held {hold} frames; seed {args.seed}")
    print("frames to verdict: 0 = read on the first frame with the whole code in view")
    print(f"  {'reader':<27}{'read':>8}{'share':>7}{'p50':>6}{'p90':>6}{'max':>6}{'wrong':>6}"
          f"{'cpu p50':>9}{'cpu p95':>9}{'cpu max':>9}{'dropped':>12}")
    for name in args.levels.split(","):
        level = LEVELS[name]
        print(f"{name}:")
        tallies = run_level(level, passes, args.seed, hold, lead, args.pi_factor, args.oracle)
        for t in tallies:
            print(t.line(passes))
        zx = tallies[2].per_pass
        for t in tallies[:2]:
            later = [(a, b) for a, b in zip(t.per_pass, zx, strict=True)
                     if b is not None and (a is None or a > b)]
            earlier = sum(1 for a, b in zip(t.per_pass, zx, strict=True)
                          if a is not None and (b is None or a < b))
            print(f"    {t.name}: later than zxing-cpp alone on {len(later)} passes {later or ''}, "
                  f"earlier on {earlier}")
        if args.oracle:
            print("    still held frames read (each alone): " + ", ".join(
                f"{t.name} {t.still_reads}/{t.stills}" for t in tallies if t.stills))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main(sys.argv[1:]))
