"""Seeded synthetic camera frames with a QR code in them: for tests, benchmarks and the doctor's self-test.

A frame is a cluttered background with the code pasted in under a perspective warp, then any of: blur,
sensor noise, a glare spot, low contrast, inversion (a dark-mode phone screen). Same seed, same frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scanner.frames import Image, as_image

BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


@dataclass(frozen=True)
class Distortion:
    module_px: float = 4.0  # size of one QR module in the frame, before the warp
    perspective: float = 0.0  # corner jitter as a fraction of the code's size (0.1 is a visible tilt)
    blur: float = 0.0  # Gaussian sigma in pixels
    noise: float = 0.0  # sensor noise sigma in grey levels
    glare: float = 0.0  # peak brightness added by a soft glare spot (0-255)
    contrast: float = 1.0  # 1.0 full black-to-white; 0.3 is a washed-out print
    inverted: bool = False  # light modules on dark (dark-mode screens)


def fake_pass_text(chars: int, seed: int, prefix: str = "CP1:") -> str:
    """Random text in the Base45 alphabet, the shape of a signed pass (not a valid one)."""
    rng = np.random.default_rng(seed)
    return prefix + "".join(BASE45[i] for i in rng.integers(0, len(BASE45), chars - len(prefix)))


def qr_modules(text: str, error: str = "m") -> Image:
    """The code's modules (1 = dark) with the 4-module quiet zone, as uint8."""
    import segno

    qr = segno.make_qr(text, error=error)
    m = np.array([list(row) for row in qr.matrix], dtype=np.uint8)
    return np.pad(m, 4)


def background(width: int, height: int, rng: np.random.Generator) -> Image:
    """Smooth shading plus a few hard-edged shapes: the clutter a checkpoint camera sees."""
    import cv2

    small = rng.integers(40, 200, (max(2, height // 80), max(2, width // 80)), dtype=np.uint8)
    bg = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    for _ in range(12):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(1, max(2, width // 4))), int(rng.integers(1, max(2, height // 4)))
        cv2.rectangle(bg, (x, y), (x + w, y + h), int(rng.integers(0, 256)), int(rng.integers(-1, 4)))
    return as_image(bg)


def make_frame(
    text: str | None,
    seed: int,
    size: tuple[int, int] = (1280, 720),
    d: Distortion = Distortion(),
) -> Image:
    """A grayscale (H, W) frame of ``size`` (width, height) holding ``text`` as a QR code (or none)."""
    import cv2

    rng = np.random.default_rng(seed)
    width, height = size
    frame = background(width, height, rng).astype(np.float32)
    if text is not None:
        mods = qr_modules(text)
        side = round(mods.shape[0] * d.module_px)
        code = cv2.resize((1 - mods) * 255, (side, side), interpolation=cv2.INTER_NEAREST).astype(np.float32)
        span = max(1, min(width, height) - side - 20)
        x0 = int(rng.integers(10, 10 + max(1, width - side - 20)))
        y0 = int(rng.integers(10, 10 + span))
        src = np.array([[0, 0], [side, 0], [side, side], [0, side]], dtype=np.float32)
        jitter = rng.uniform(-d.perspective, d.perspective, (4, 2)) * side
        dst = (src + np.array([x0, y0], dtype=np.float32) + jitter).astype(np.float32)
        h = cv2.getPerspectiveTransform(src, dst)
        warped = cv2.warpPerspective(code, h, (width, height), flags=cv2.INTER_LINEAR, borderValue=0)
        mask = cv2.warpPerspective(np.ones_like(code), h, (width, height), flags=cv2.INTER_LINEAR)
        frame = frame * (1 - mask) + warped * mask
    if d.contrast != 1.0:
        frame = 128 + (frame - 128) * d.contrast
    if d.glare:
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        cx, cy = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height
        r = 0.25 * min(width, height)
        frame += d.glare * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))
    if d.blur:
        frame = cv2.GaussianBlur(frame, (0, 0), d.blur).astype(np.float32)
    if d.noise:
        frame += rng.normal(0, d.noise, frame.shape).astype(np.float32)
    if d.inverted:
        frame = 255 - frame
    return as_image(np.clip(frame, 0, 255).astype(np.uint8))
