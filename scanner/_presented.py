"""Seeded camera footage of a pass being shown: for the presented-pass benchmark and its test.

An officer's hand brings a phone (or a printout) into a fixed 30 fps camera's view: the code slides in
from an edge and slows down (motion blur along the way), then is held with hand shake (small drifts and
turns, each blurring the frame it happens in), under sensor noise, a glare spot on the screen, low
contrast and the camera's JPEG compression. ``presentation(text, seed, level)`` renders the frames and
says from which frame on the whole code (quiet zone included) is inside the picture. Same seed, same
frames.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from scanner.frames import Image, as_image
from scanner.synthetic import background, qr_modules

FPS = 30.0


@dataclass(frozen=True)
class Level:
    """How hard a presentation is. Distances are pixels of a 1280x720 frame."""

    name: str
    module_px: tuple[float, float]  # size of one module while held (drawn per pass between the two)
    slide_frames: int  # frames from outside the picture to the held position
    slowdown: float  # while sliding in, the share of the way left still to go after each frame
    shake_px: float  # hand shake: standard deviation of the per-frame push on the code's velocity
    turn_deg: float  # hand shake: the same for rotation, in degrees
    tilt: float  # perspective: corner offsets as a fraction of the code's side
    exposure: float  # share of a frame time the shutter is open: motion blur = exposure x movement
    focus: float  # Gaussian sigma of defocus blur
    noise: float  # sensor noise sigma in grey levels
    glare: float  # peak brightness added by a reflection on the screen (0-255)
    contrast: tuple[float, float]  # contrast range (1.0 full black to white)
    jpeg: int  # JPEG quality of the camera stream (0: uncompressed)


LEVELS = {
    "easy": Level("easy", (4.0, 5.0), 8, 0.45, 0.8, 0.2, 0.03, 0.3, 0.3, 4.0, 0.0, (0.8, 1.0), 90),
    "medium": Level("medium", (3.3, 4.3), 9, 0.5, 1.5, 0.4, 0.06, 0.4, 0.5, 7.0, 80.0, (0.55, 0.8), 80),
    "hard": Level("hard", (2.8, 3.6), 10, 0.55, 2.2, 0.5, 0.09, 0.5, 0.7, 10.0, 120.0, (0.4, 0.65), 70),
}


@dataclass(frozen=True)
class Presentation:
    text: str
    frames: tuple[Image, ...]
    in_view: int  # index of the first frame with the whole code (quiet zone included) inside the picture
    lead: int  # empty frames before the code enters


def _motion_kernel(dx: float, dy: float) -> Image | None:
    """A normalised line kernel for a movement of (dx, dy) pixels while the shutter is open."""
    length = math.hypot(dx, dy)
    if length < 1.0:
        return None
    n = math.ceil(length) | 1
    k = np.zeros((n, n), np.float32)
    c = n // 2
    import cv2

    cv2.line(k, (round(c - dx / 2), round(c - dy / 2)), (round(c + dx / 2), round(c + dy / 2)), 1.0, 1,
             cv2.LINE_AA)
    return as_image(k / k.sum())


def _path(rng: np.random.Generator, level: Level, side: float, size: tuple[int, int], lead: int,
          hold: int) -> list[tuple[float, float, float]]:
    """Centre (x, y) and rotation (degrees) of the code on every frame: empty lead, slide, hold."""
    width, height = size
    margin = side * 0.62 + 10  # room for the tilt and the shake
    end = (float(rng.uniform(margin, max(margin, width - margin))),
           float(rng.uniform(min(margin, height / 2), max(height / 2, height - margin))))
    # the hand comes in from the nearest edge and slows down: each frame covers a share of the way left
    gaps = [end[0], width - end[0], height - end[1], end[1]]
    edge = int(np.argmin(gaps))
    far = side * 0.75
    start = [(-far, end[1]), (width + far, end[1]), (end[0], height + far), (end[0], -far)][edge]
    start = (start[0] + float(rng.uniform(-40, 40)), start[1] + float(rng.uniform(-40, 40)))
    out: list[tuple[float, float, float]] = [(start[0] * 3, start[1] * 3, 0.0)] * lead  # far outside
    left = 1.0
    for _ in range(level.slide_frames):
        left *= level.slowdown
        out.append((end[0] + (start[0] - end[0]) * left, end[1] + (start[1] - end[1]) * left, 0.0))
    x, y, a = end[0], end[1], 0.0
    vx = vy = va = 0.0
    for _ in range(hold):
        vx = 0.7 * vx + float(rng.normal(0, level.shake_px))
        vy = 0.7 * vy + float(rng.normal(0, level.shake_px))
        va = 0.7 * va + float(rng.normal(0, level.turn_deg))
        x, y, a = x + vx, y + vy, a + va
        out.append((x, y, a))
    return out


def presentation(
    text: str,
    seed: int,
    level: Level,
    *,
    size: tuple[int, int] = (1280, 720),
    lead: int = 3,
    hold: int = 30,
) -> Presentation:
    """Render ``text`` being shown to the camera: ``lead`` empty frames, the slide, ``hold`` held frames."""
    return Presentation(text, tuple(frames(text, seed, level, size=size, lead=lead, hold=hold)),
                        in_view_index(text, seed, level, size=size, lead=lead, hold=hold), lead)


def _geometry(text: str, seed: int, level: Level, size: tuple[int, int], lead: int, hold: int
              ) -> tuple[np.random.Generator, Image, float, np.ndarray, list[tuple[float, float, float]]]:
    rng = np.random.default_rng(seed)
    mods = qr_modules(text, error="q" if len(text) > 400 else "m")
    px = float(rng.uniform(*level.module_px))
    side = mods.shape[0] * px
    tilt = rng.uniform(-level.tilt, level.tilt, (4, 2)) * side
    return rng, mods, side, tilt, _path(rng, level, side, size, lead, hold)


def _corners(side: float, tilt: np.ndarray, x: float, y: float, angle: float) -> np.ndarray:
    h = side / 2
    square = np.array([[-h, -h], [h, -h], [h, h], [-h, h]], dtype=np.float64) + tilt
    r = math.radians(angle)
    rot = np.array([[math.cos(r), -math.sin(r)], [math.sin(r), math.cos(r)]])
    out: np.ndarray = (square @ rot.T + np.array([x, y])).astype(np.float32)
    return out


def in_view_index(text: str, seed: int, level: Level, *, size: tuple[int, int] = (1280, 720), lead: int = 3,
                  hold: int = 30) -> int:
    """The first frame on which the whole code, quiet zone included, is inside the picture."""
    _rng, _mods, side, tilt, path = _geometry(text, seed, level, size, lead, hold)
    width, height = size
    for i, (x, y, a) in enumerate(path):
        c = _corners(side, tilt, x, y, a)
        if c[:, 0].min() >= 0 and c[:, 1].min() >= 0 and c[:, 0].max() < width and c[:, 1].max() < height:
            return i
    return len(path)


@dataclass(frozen=True)
class FrameTruth:
    """What the renderer knows about one frame and a reader does not: for studies of what is decodable."""

    corners: np.ndarray  # the four corners of the code with its quiet zone (top-left first, clockwise)
    blur: tuple[float, float]  # motion blur during the exposure, pixels (x, y): the line kernel's extent
    module_px: float  # size of one module while held (tilt aside)
    modules: int  # modules a side, the 4-module quiet zone on each side included


def truth(text: str, seed: int, level: Level, *, size: tuple[int, int] = (1280, 720), lead: int = 3,
          hold: int = 30) -> list[FrameTruth]:
    """Per frame of ``frames(...)`` (same arguments): where the code is and how it is smeared."""
    _rng, mods, side, tilt, path = _geometry(text, seed, level, size, lead, hold)
    out = []
    prev = path[0]
    for x, y, a in path:
        blur = ((x - prev[0]) * level.exposure, (y - prev[1]) * level.exposure)
        out.append(FrameTruth(_corners(side, tilt, x, y, a), blur, side / mods.shape[0], mods.shape[0]))
        prev = (x, y, a)
    return out


def motion_kernel(dx: float, dy: float) -> Image | None:
    """The renderer's motion blur for a movement of (dx, dy) pixels while the shutter is open (None: under
    a pixel, no blur)."""
    return _motion_kernel(dx, dy)


def frames(text: str, seed: int, level: Level, *, size: tuple[int, int] = (1280, 720), lead: int = 3,
           hold: int = 30) -> Iterator[Image]:
    """The presentation's grayscale frames, one by one (rendering costs ~30 ms CPU a frame at 720p).

    Sensor noise comes from OpenCV's per-thread random generator, seeded here: render all the frames
    (``list(...)``) before running anything else that draws from it in the same thread (OpenCV's QR
    detector may), or the noise, and so the footage, depends on what ran in between."""
    import cv2

    rng, mods, side, tilt, path = _geometry(text, seed, level, size, lead, hold)
    width, height = size
    scene = background(width, height, rng).astype(np.float32)
    contrast = float(rng.uniform(*level.contrast))
    n = mods.shape[0]
    scale = 4  # the code at 4 px a module, warped down (area-like averaging keeps module edges soft)
    code = cv2.resize((1 - mods).astype(np.float32) * 255, (n * scale, n * scale),
                      interpolation=cv2.INTER_NEAREST)
    code = cv2.GaussianBlur(code, (0, 0), scale * 0.25)  # no aliasing when it is warped down
    ones = np.ones_like(code)
    src = np.array([[0, 0], [n * scale, 0], [n * scale, n * scale], [0, n * scale]], dtype=np.float32)
    glare_at = rng.uniform(0.15, 0.85, 2)  # where on the screen the lamp reflects
    cv2.setRNGSeed(seed % 2**31)  # sensor noise via cv2.randn: several times faster than NumPy's
    noise = np.empty((height, width), np.float32)
    prev = path[0]
    for x, y, a in path:
        frame = scene.copy()
        dst = _corners(side, tilt, x, y, a)
        mx, my = (x - prev[0]) * level.exposure, (y - prev[1]) * level.exposure
        pad = int(abs(mx) + abs(my)) + 4
        x0, y0 = max(0, int(dst[:, 0].min()) - pad), max(0, int(dst[:, 1].min()) - pad)
        x1, y1 = min(width, int(dst[:, 0].max()) + pad + 1), min(height, int(dst[:, 1].max()) + pad + 1)
        if x1 - x0 > 1 and y1 - y0 > 1:  # some of the code (or its blur) is in the picture
            h = cv2.getPerspectiveTransform(src, dst - np.array([x0, y0], np.float32))
            roi = (x1 - x0, y1 - y0)
            layer = cv2.warpPerspective(code, h, roi, flags=cv2.INTER_LINEAR, borderValue=0)
            mask = cv2.warpPerspective(ones, h, roi, flags=cv2.INTER_LINEAR)
            layer = 128 + (layer - 128) * contrast
            if level.glare:
                gx, gy = dst[0] + (dst[1] - dst[0]) * glare_at[0] + (dst[3] - dst[0]) * glare_at[1]
                yy, xx = np.ogrid[y0:y1, x0:x1]
                r2 = 2 * (0.18 * side) ** 2
                layer = layer + level.glare * np.exp(-((xx - gx) ** 2) / r2) * np.exp(-((yy - gy) ** 2) / r2)
            premul = layer * mask
            kernel = _motion_kernel(mx, my)
            if kernel is not None:
                premul = cv2.filter2D(premul, -1, kernel)
                mask = cv2.filter2D(mask, -1, kernel)
            part = frame[y0:y1, x0:x1]
            frame[y0:y1, x0:x1] = part * (1 - mask) + premul
        prev = (x, y, a)
        if level.focus:
            frame = np.asarray(cv2.GaussianBlur(frame, (0, 0), level.focus), np.float32)
        if level.noise:
            cv2.randn(noise, 0.0, level.noise)  # type: ignore[call-overload]
            frame += noise
        img = np.clip(frame, 0, 255).astype(np.uint8)
        if level.jpeg:
            ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, level.jpeg])
            if ok:
                img = np.asarray(cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE), np.uint8)
        yield as_image(img)
