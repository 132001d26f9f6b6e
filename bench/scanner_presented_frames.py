"""Which frames of a presented pass can be read at all: each frame alone, by readers up to oracles.

    .venv/bin/python -m bench.scanner_presented_frames [--passes 6] [--levels medium,hard] [--seed 1]

The footage of ``bench.presented_passes`` (same seeds, same passes). For every frame from the first one
with the whole code in view, each reader gets that frame alone (no memory of earlier frames) until it
reads the pass; the table gives, per reader, the first such frame (0 = the first frame in view) and its
p50/p90/max over the passes. The readers:

- zxing-cpp alone on the frame (its defaults, QR only);
- the station's pipeline, a fresh one per frame (fast pass and zoom);
- the union of zxing-cpp (both binarizers), pyzbar and OpenCV over simple variants of the frame (3x3
  blur, 3x3 median, CLAHE, 1.5x and 2x upscales): ``bench.presented_passes --oracle``'s reader;
- true geometry (an oracle): the code cut out along its *true* corners (which the renderer knows),
  straightened to 4, 6 and 8 px a module (4 more modules of margin), read by zxing-cpp with both
  binarizers, plain and smoothed: the best any localisation, zoom or resampling could do;
- true geometry, 2 frames: the same straightened code averaged with the previous frame's (perfectly
  aligned: what fusing frames could do at best);
- true blur (an oracle): the code's crop deconvolved (Wiener) with the *exact* motion blur kernel the
  renderer used, then read as is and straightened: what deblurring could do with a perfect estimate of
  the blur; and the same with the kernel 20% too short or too long (an estimate's likely error).

Also the blur of each frame in modules (motion during the exposure / module size) and the first frame
whose blur is at most one module. Slow (the union costs ~0.6 s a frame): 1-3 minutes for 6 passes.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from scanner._presented import FrameTruth
    from scanner.frames import Image

WINDOW = 10  # frames after in-view that are studied


def _zx(img: Any, **kw: Any) -> tuple[str, ...]:
    import zxingcpp

    zx: Any = zxingcpp
    return tuple(b.text for b in zx.read_barcodes(img, formats=zx.BarcodeFormat.QRCode,
                                                   text_mode=zx.TextMode.Plain, **kw))


def _straighten(img: Any, t: FrameTruth, ppm: int, quiet: int = 4) -> np.ndarray:
    """The code along its true corners, upright at ``ppm`` pixels a module with a quiet zone (float32)."""
    import cv2
    import numpy as np

    n = t.modules
    a, b = quiet * ppm, (quiet + n) * ppm
    dst = np.array([[a, a], [b, a], [b, b], [a, b]], np.float32)
    h = cv2.getPerspectiveTransform(t.corners.astype(np.float32), dst)
    side = (n + 2 * quiet) * ppm
    out: np.ndarray = cv2.warpPerspective(np.asarray(img, np.float32), h, (side, side), flags=cv2.INTER_CUBIC,
                                          borderValue=128)
    return out


def _u8(a: Any) -> Any:
    import numpy as np

    return np.clip(a, 0, 255).astype(np.uint8)


def _read_straight(f: Any) -> tuple[str, ...]:
    import cv2
    import zxingcpp as zx

    img = _u8(f)
    for binarizer in (zx.Binarizer.LocalAverage, zx.Binarizer.GlobalHistogram):
        texts = _zx(img, binarizer=binarizer) or _zx(_u8(cv2.GaussianBlur(f, (0, 0), 1.5)), binarizer=binarizer)
        if texts:
            return texts
    return ()


def true_geometry(img: Image, t: FrameTruth) -> tuple[str, ...]:
    for ppm in (4, 6, 8):
        texts = _read_straight(_straighten(img, t, ppm))
        if texts:
            return texts
    return ()


def two_frames(img: Image, t: FrameTruth, prev: Image, pt: FrameTruth) -> tuple[str, ...]:
    for ppm in (4, 6, 8):
        texts = _read_straight((_straighten(img, t, ppm) + _straighten(prev, pt, ppm)) / 2)
        if texts:
            return texts
    return ()


def _wiener(crop: Any, kernel: Any, nsr: float) -> Any:
    import numpy as np

    f = np.asarray(crop, np.float32)
    h, w = f.shape
    kh, kw = kernel.shape
    psf = np.zeros((h, w), np.float32)
    psf[:kh, :kw] = kernel
    psf = np.roll(psf, (-(kh // 2), -(kw // 2)), (0, 1))
    k = np.fft.rfft2(psf)
    spectrum = np.fft.rfft2(f - f.mean())
    return np.fft.irfft2(spectrum * np.conj(k) / (np.abs(k) ** 2 + nsr), s=(h, w)) + f.mean()


def true_blur(img: Image, t: FrameTruth, scale: float = 1.0) -> tuple[str, ...]:
    """Deconvolved with the renderer's blur kernel, its length times ``scale`` (1: exact)."""
    import numpy as np

    from scanner._presented import motion_kernel

    kernel = motion_kernel(t.blur[0] * scale, t.blur[1] * scale)
    if kernel is None:
        return true_geometry(img, t)
    c = t.corners
    x0, y0 = max(0, int(c[:, 0].min()) - 40), max(0, int(c[:, 1].min()) - 40)
    x1, y1 = min(img.shape[1], int(c[:, 0].max()) + 40), min(img.shape[0], int(c[:, 1].max()) + 40)
    crop = img[y0:y1, x0:x1]
    moved = type(t)(c - np.array([x0, y0], np.float32), t.blur, t.module_px, t.modules)
    for nsr in (0.003, 0.01, 0.03, 0.1):
        sharp = _wiener(crop, kernel, nsr)
        texts = _zx(_u8(sharp)) or _read_straight(_straighten(sharp, moved, 6))
        if texts:
            return texts
    return ()


def pct(xs: list[int], q: float) -> str:
    if not xs:
        return "-"
    s = sorted(xs)
    return str(s[min(len(s) - 1, round(q * (len(s) - 1)))])


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passes", type=int, default=6, help="passes per difficulty (the full bench: 24)")
    ap.add_argument("--levels", default="medium,hard")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    from bench.presented_passes import union_reader
    from scanner._pipeline import Pipeline
    from scanner._presented import LEVELS, frames, in_view_index, truth
    from scanner.synthetic import fake_pass_text

    union = union_reader()
    lead, hold = 3, 30  # as the full presented_passes run: the same passes, the same frames
    print(f"presented passes, each frame alone: {args.passes} a level, seed {args.seed}; "
          f"first frame read (0 = first frame in view), frames studied: {WINDOW}")
    for name in args.levels.split(","):
        level = LEVELS[name]
        readers: dict[str, Callable[[Image, FrameTruth, Image, FrameTruth], tuple[str, ...]]] = {
            "zxing-cpp alone": lambda g, t, p, pt: _zx(g),
            "pipeline": lambda g, t, p, pt: Pipeline().decode(g).texts,
            "union (variants x decoders)": lambda g, t, p, pt: union(g),
            "true geometry": lambda g, t, p, pt: true_geometry(g, t),
            "true geometry, 2 frames": two_frames,
            "true blur (deconvolved)": lambda g, t, p, pt: true_blur(g, t),
            "blur 20% too short": lambda g, t, p, pt: true_blur(g, t, 0.8),
            "blur 20% too long": lambda g, t, p, pt: true_blur(g, t, 1.2),
        }
        first: dict[str, list[int | None]] = {r: [] for r in readers}
        sharp_enough: list[int | None] = []
        print(f"{name}:")
        for k in range(args.passes):
            s = args.seed * 10_000 + k
            hc1 = k % 2 == 1
            text = fake_pass_text(600 if hc1 else 280, s, prefix="HC1:" if hc1 else "CP1:")
            iv = in_view_index(text, s, level, lead=lead, hold=hold)
            shot = list(frames(text, s, level, lead=lead, hold=hold))
            facts = truth(text, s, level, lead=lead, hold=hold)
            span = range(iv, min(len(shot), iv + WINDOW))
            blur = [math.hypot(*facts[i].blur) / facts[i].module_px for i in span]
            sharp_enough.append(next((j for j, b in enumerate(blur) if b <= 1.0), None))
            for r, read in readers.items():
                got = next((i - iv for i in span if text in read(shot[i], facts[i], shot[i - 1], facts[i - 1])),
                           None)
                first[r].append(got)
            print(f"  pass {k} ({facts[iv].modules} modules, {facts[iv].module_px:.1f} px): blur in modules "
                  + " ".join(f"{b:.1f}" for b in blur[:7]) + "; first read: "
                  + ", ".join(f"{r} {v[-1] if v[-1] is not None else '-'}" for r, v in first.items()), flush=True)
        rows = [("blur <= 1 module", sharp_enough), *first.items()]
        print(f"  {'':<30}{'read':>6}{'p50':>5}{'p90':>5}{'max':>5}  per pass")
        for r, v in rows:
            ok = [x for x in v if x is not None]
            print(f"  {r:<30}{len(ok):>3}/{len(v):<2}{pct(ok, 0.5):>5}{pct(ok, 0.9):>5}"
                  f"{max(ok) if ok else '-':>5}  {' '.join('-' if x is None else str(x) for x in v)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main(sys.argv[1:]))
