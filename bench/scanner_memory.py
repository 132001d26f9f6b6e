"""Memory over a long run: the scan loop on a looping video source, resident memory sampled as it goes.

    .venv/bin/python -m bench.scanner_memory [--seconds 600] [--sample 10]

Writes a 1280x720 MJPG video (seeded: mostly empty scenes, some frames with a dense pass) to a
temporary folder, loops it through ``VideoFileSource(loop=True)`` marked live, so the grabber thread,
the newest-frame slot, the pipeline and the debouncer all run as with a camera, for ``--seconds``.
The file is read as fast as it decodes (several times real time), so the run covers more frames than a
camera would give in the same time. Prints RSS every ``--sample`` seconds, then the figures after a
warm-up: first, last, max, and the growth per minute fitted by least squares. Flat memory means growth ~0 MB/min.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def py_heap_mb() -> float:
    import tracemalloc

    return tracemalloc.get_traced_memory()[0] / 1e6


def slope_per_min(points: list[tuple[float, float]]) -> float:
    n = len(points)
    if n < 2:
        return 0.0
    mt = sum(t for t, _ in points) / n
    mm = sum(m for _, m in points) / n
    num = sum((t - mt) * (m - mm) for t, m in points)
    den = sum((t - mt) ** 2 for t, _ in points) or 1.0
    return num / den * 60.0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=600.0)
    ap.add_argument("--sample", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=30.0)
    ap.add_argument("--tracemalloc", action="store_true",
                    help="also track the Python heap (slower), to tell Python objects from native memory")
    args = ap.parse_args(argv)
    if args.tracemalloc:
        import tracemalloc

        tracemalloc.start()

    import cv2

    from scanner._debounce import Debouncer
    from scanner._loop import ScanLoop, ScanResult
    from scanner._reconnect import Reconnecting
    from scanner.sources import VideoFileSource
    from scanner.synthetic import Distortion, fake_pass_text, make_frame

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "loop.avi"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30, (1280, 720))
        texts = [fake_pass_text(400, s) for s in range(3)]
        for i in range(90):
            text = texts[(i // 30) % 3] if i % 30 >= 20 else None  # 10 frames of each pass per second
            img = make_frame(text, i, d=Distortion(noise=8.0, perspective=0.05))
            writer.write(cv2.cvtColor(img, cv2.COLOR_GRAY2BGR))
        writer.release()

        source = VideoFileSource(path, loop=True)
        source.live = True  # as a camera: the grabber runs free and stale frames are dropped
        debouncer = Debouncer(window=0.5)
        counts = {"results": 0, "reads": 0, "events": 0, "dropped": 0}
        lock = threading.Lock()

        def on_result(r: ScanResult) -> None:
            with lock:
                counts["results"] += 1
                counts["reads"] += bool(r.codes)
                counts["dropped"] += r.dropped
                counts["events"] += len(debouncer.feed(r.texts, r.frame_time))

        loop = ScanLoop(Reconnecting(source), on_result).start()
        start = time.monotonic()
        points: list[tuple[float, float]] = []
        heap_col = f"{'py heap MB':>12}" if args.tracemalloc else ""
        print(f"{'t s':>6}{'RSS MB':>9}{'results':>9}{'reads':>8}{'events':>8}{'dropped':>9}{heap_col}", flush=True)
        try:
            while (now := time.monotonic() - start) < args.seconds:
                loop.stop_event.wait(args.sample)
                now = time.monotonic() - start
                m = rss_mb()
                if now >= args.warmup:
                    points.append((now, m))
                with lock:
                    c = dict(counts)
                heap = f"{py_heap_mb():>12.2f}" if args.tracemalloc else ""
                print(f"{now:>6.0f}{m:>9.1f}{c['results']:>9}{c['reads']:>8}{c['events']:>8}{c['dropped']:>9}{heap}",
                      flush=True)
        finally:
            if not loop.stop(timeout=10):
                print("warning: the scan threads did not stop within 10 s")
        if points:
            ms = [m for _, m in points]
            print(f"after {args.warmup:.0f} s warm-up: first {ms[0]:.1f} MB, last {ms[-1]:.1f} MB, "
                  f"max {max(ms):.1f} MB, growth {slope_per_min(points):+.3f} MB/min over {points[-1][0]:.0f} s")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main(sys.argv[1:]))
