"""The decoder cascade: cheap work on every frame, expensive work only where it can pay.

Every frame gets one fast pass: grayscale, downscaled if huge, lightly blurred if large (sensor noise
on a 1280x720 frame makes zxing-cpp chase false finder patterns: 2-3x slower raw, and up to ~65 ms on the
reference machine's noisiest frames), then the first decoder. When that reads nothing, the frame's
densest patch of edges (``scanner._regions``: where a code most likely is) is decoded enlarged up to 2x:
small modules, motion blur and JPEG smear defeat zxing-cpp on the whole frame far more often than on the
zoomed patch, and the zoom costs a fraction of enlarging the frame.

Live frames (the camera) then get at most one more stage: every ``fallback_every``-th empty frame
without a zoomable patch one zxing-cpp variant (the unblurred frame, the global binarizer, median
filters), taking turns, and every ``other_decoders_every``-th frame one other-decoder stage (pyzbar,
also on the inverted image, or OpenCV), run on the likeliest code patch only, at its own size. A live
frame never pays for every fallback, not even when a code was located but not read: a 720p frame that
ran them all cost ~150 ms on the reference machine, half a second on a Raspberry Pi 4, during which the
scan loop dropped the next frames, the ones that would have been read.

Still images (``thorough``) try the zoom and then every fallback on the whole image, in order, until
one reads a code.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scanner._errors import ImageUnreadable
from scanner._notice import Notice
from scanner._regions import Region, likely_region, zoom
from scanner.decoders import Decoded, Decoder, DecodeResult, DecoderInfo, ZxingDecoder, make_decoders
from scanner.frames import Image, as_image, to_gray

log = logging.getLogger("scanner")
_warned: set[str] = set()


@dataclass(frozen=True)
class PipelineConfig:
    decoders: tuple[str, ...] = ("zxing", "zbar", "opencv")  # first available one runs on every frame
    fallback_every: int = 2  # on empty frames, one more zxing variant (taking turns) every N frames (0: never)
    other_decoders_every: int = 30  # ... and one other-decoder stage instead every N frames (0: never)
    denoise_min_pixels: int = 640 * 480  # blur frames at least this big before the fast pass
    max_side: int = 1920  # downscale larger frames first
    upscale_max_side: int = 640  # images no bigger than this also get a 2x upscale and a 7x7 median
    zoom: bool = True  # when the fast pass reads nothing, decode the likeliest code region enlarged
    zoom_factor: float = 2.0  # ... this many times ...
    zoom_max_side: int = 1024  # ... but to at most this many pixels a side


@dataclass(frozen=True)
class PipelineResult:
    codes: tuple[Decoded, ...]
    located: bool  # some stage saw a code it could not read
    fallback_ran: bool  # some stage beyond the fast pass ran (the zoom included)
    timings: tuple[tuple[str, float], ...]  # (stage, milliseconds), in order

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(c.text for c in self.codes)

    @property
    def total_ms(self) -> float:
        return sum(ms for _, ms in self.timings)


Stage = tuple[str, Callable[[Image], Image], Decoder]


def _median(k: int) -> Callable[[Image], Image]:
    def f(g: Image) -> Image:
        import cv2

        return as_image(cv2.medianBlur(g, k))

    return f


def _upscale(g: Image) -> Image:
    import cv2

    return as_image(cv2.resize(g, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC))


def _invert(g: Image) -> Image:
    return 255 - g


def _same(g: Image) -> Image:
    return g


@dataclass
class Pipeline:
    """Not thread-safe: one pipeline per decoding thread (the loop owns one)."""

    config: PipelineConfig = field(default_factory=PipelineConfig)
    decoders: tuple[Decoder, ...] = ()

    def __post_init__(self) -> None:
        self._empty_frames = 0  # empty frames seen: sets the fallback turns
        self._turn = 0  # next zxing-cpp variant to try on an empty frame
        self._costly_turn = 0  # next other-decoder stage
        if not self.decoders:
            self.decoders = make_decoders(self.config.decoders)
        self.infos: tuple[DecoderInfo, ...] = tuple(d.info() for d in self.decoders)
        for info in self.infos:
            if info.unavailable and info.name not in _warned:
                _warned.add(info.name)
                log.warning("%s", info.unavailable.text)
        self.active = tuple(d for d, i in zip(self.decoders, self.infos, strict=True) if i.available)
        if not self.active:
            raise RuntimeError("no QR decoder is available: " + "; ".join(
                i.unavailable.text for i in self.infos if i.unavailable))
        self._fallbacks = self._fallback_stages()
        first = self.active[0]
        # the zoomed region is dark-on-light or was already seen inverted by the fast pass, and was
        # enlarged on purpose: no inverted or downscaled second looks at it
        self._zoom_decoder: Decoder = (ZxingDecoder(name=first.name, invert=False, downscale=False)
                                       if isinstance(first, ZxingDecoder) else first)
        # live frames: zxing-cpp's extra look at a half-size copy costs ~20% of the fast pass and reads
        # nothing the zoom does not (frames are at most max_side already); still images keep it
        self._live_decoder: Decoder = (ZxingDecoder(name=first.name, downscale=False)
                                       if isinstance(first, ZxingDecoder) else first)

    @property
    def notices(self) -> tuple[Notice, ...]:
        """Why decoders are off, once each, for the UI to show."""
        return tuple(i.unavailable for i in self.infos if i.unavailable)

    def _fallback_stages(self) -> list[Stage]:
        first = self.active[0]
        stages: list[Stage] = [(f"{first.name}:raw", _same, first)]
        if isinstance(first, ZxingDecoder):
            stages.append(("zxing-global:raw", _same, ZxingDecoder("global", name="zxing-global")))
        stages += [(f"{first.name}:median{k}", _median(k), first) for k in (3, 5, 7)]
        stages.append((f"{first.name}:upscale", _upscale, first))
        for d in self.active[1:]:
            stages.append((f"{d.name}:raw", _same, d))
            if d.name == "zbar":  # zbar does not look for light-on-dark codes by itself
                stages.append(("zbar:inverted", _invert, d))
        return stages

    def _prepare(self, gray: Image) -> tuple[Image, Image | None]:
        """The frame at working size, and its denoised version when it is large enough to need one."""
        import cv2

        h, w = gray.shape[:2]
        if max(h, w) > self.config.max_side:
            f = self.config.max_side / max(h, w)
            gray = as_image(cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA))
            h, w = gray.shape[:2]
        if h * w >= self.config.denoise_min_pixels:
            return gray, as_image(cv2.GaussianBlur(gray, (3, 3), 0))
        return gray, None

    def decode(self, image: Image, *, thorough: bool = False) -> PipelineResult:
        """Decode one frame. ``thorough`` runs every fallback until one reads a code (still images)."""
        timings: list[tuple[str, float]] = []
        t = time.perf_counter()

        def lap(stage: str) -> None:
            nonlocal t
            now = time.perf_counter()
            timings.append((stage, (now - t) * 1000.0))
            t = now

        base, denoised = self._prepare(to_gray(image))
        lap("prepare")
        first = self.active[0]
        res = (first if thorough else self._live_decoder).decode(denoised if denoised is not None else base)
        lap(f"{first.name}:{'denoised' if denoised is not None else 'raw'}")
        located = res.located
        if res.codes:
            return self._done(res, located, False, timings)
        self._empty_frames += 1
        zoomed: Image | None = None
        region: Region | None = None
        f = 1.0
        if self.config.zoom:
            # Small, motion-blurred or JPEG-smeared modules: the densest patch of edges, enlarged, is
            # read far more often than the whole frame, at a fraction of enlarging the whole frame.
            region = likely_region(base)
            lap("find")
            if region is not None:
                h, w = base.shape[:2]
                region = region.grown(0.12, (w, h))
                zoomed, f = zoom(base, region, self.config.zoom_max_side, self.config.zoom_factor)
                res = self._zoom_decoder.decode(zoomed)
                lap(f"{first.name}:zoom")
                located = located or res.located
                if res.codes:
                    return self._done(_placed(res, region, f), located, True, timings)
        stages = self._fallbacks
        if denoised is None:  # the fast pass already saw exactly the raw frame
            stages = [s for s in stages if not (s[2] is first and s[0].endswith(":raw"))]
        if max(base.shape[:2]) > self.config.upscale_max_side:
            # 2x upscale only helps small codes, and a 7x7 median costs ~30 ms on a 720p frame
            stages = [s for s in stages if not s[0].endswith((":upscale", ":median7"))]
        if not thorough:
            # A live frame: on a share of frames, try one more stage, taking turns, so a pass held in
            # view meets every variant within a second or two while no single frame pays for them all.
            # The other decoders cost 10x a zxing-cpp pass on a 720p frame: they take turns far less
            # often, and only on the zoomed region (never the whole frame, which would make a live
            # loop drop the next frames).
            cheap = [s for s in stages if s[2] is first or isinstance(s[2], ZxingDecoder)]
            costly = [s for s in stages if s not in cheap]
            n, cfg = self._empty_frames, self.config
            costly_turn = costly and cfg.other_decoders_every > 0 and n % cfg.other_decoders_every == 0
            if costly_turn and zoomed is not None and region is not None:
                name, pre, dec = costly[self._costly_turn % len(costly)]
                self._costly_turn += 1
                # the patch at its own size: pyzbar and OpenCV cost ~3x zxing-cpp per pixel
                crop = np.ascontiguousarray(base[region.y:region.y + region.height,
                                                 region.x:region.x + region.width])
                res = dec.decode(pre(crop))
                lap(name.replace(":", ":region-", 1))
                located = located or res.located
                if res.codes:
                    return self._done(_placed(res, region, 1.0), located, True, timings)
                return PipelineResult((), located, True, tuple(timings))
            if costly_turn and not cfg.zoom:  # no zoom configured: the whole frame, as before zooming
                stages = [costly[self._costly_turn % len(costly)]]
                self._costly_turn += 1
            elif zoomed is None and cheap and cfg.fallback_every > 0 and n % cfg.fallback_every == 0:
                stages = [cheap[self._turn % len(cheap)]]
                self._turn += 1
            else:
                return PipelineResult((), located, zoomed is not None, tuple(timings))
        for name, pre, dec in stages:
            res = dec.decode(pre(base))
            lap(name)
            located = located or res.located
            if res.codes:
                return self._done(res, located, True, timings)
        return PipelineResult((), located, True, tuple(timings))

    @staticmethod
    def _done(
        res: DecodeResult, located: bool, fallback: bool, timings: list[tuple[str, float]]
    ) -> PipelineResult:
        seen: set[str] = set()
        codes = []
        for c in res.codes:
            if c.text not in seen:
                seen.add(c.text)
                codes.append(c)
        return PipelineResult(tuple(codes), located, fallback, tuple(timings))


def _placed(res: DecodeResult, region: Region, factor: float) -> DecodeResult:
    """Codes read in a zoomed region, with their corners in the frame's coordinates."""
    def back(c: Decoded) -> Decoded:
        corners = tuple((round(x / factor) + region.x, round(y / factor) + region.y) for x, y in c.corners)
        return Decoded(c.text, c.raw, c.decoder, corners)

    return DecodeResult(tuple(back(c) for c in res.codes), res.located)


def read_image(path: str | Path) -> Image:
    """An image file as a grayscale array; raises ``ImageUnreadable`` naming the file."""
    import cv2

    p = Path(path)
    if not p.is_file():
        raise ImageUnreadable(f"{p}: no such image file")
    img = cv2.imread(str(p), cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise ImageUnreadable(f"{p}: not an image OpenCV can read (PNG, JPEG, WebP, BMP, TIFF)")
    return as_image(img)


_default: Pipeline | None = None
_default_lock = threading.Lock()


def decode_image_file(path: str | Path, pipeline: Pipeline | None = None) -> list[str]:
    """All QR texts in one image file, trying every fallback. Raises ``ImageUnreadable``. Safe to call
    from several threads (they take turns on one shared pipeline unless each passes its own)."""
    global _default
    image = read_image(path)
    if pipeline is not None:
        return list(pipeline.decode(image, thorough=True).texts)
    with _default_lock:
        if _default is None:
            _default = Pipeline()
        return list(_default.decode(image, thorough=True).texts)
