"""QR decoders behind one small protocol: zxing-cpp, pyzbar (libzbar0) and OpenCV.

Each decoder takes a grayscale image and returns what it read plus whether it *located* a code it could
not read (the pipeline's cue to spend more effort on this frame). A decoder whose library is missing
reports itself unavailable with a reason instead of raising: the station carries on with the others.

Why zxing-cpp leads: on the shared corpus it reads 188 of 201 photographs (pyzbar 156, OpenCV 109) at
about a tenth of the others' time per frame, it ships as a self-contained wheel, and in ``TextMode.Plain``
it gives the payload exactly (no GS1/HRI rewriting), with the raw bytes beside it.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

from scanner._notice import Notice, notice
from scanner.frames import Image

MESSAGES = {
    "zbar_missing": "The pyzbar decoder is off: the system library libzbar0 is missing ({error}). "
    "Install it (sudo apt-get install libzbar0) to add a second decoder; scanning carries on without it.",
    "module_missing": "The {decoder} decoder is off: the Python package {package} is not installed "
    "({error}).",
}


@dataclass(frozen=True)
class Decoded:
    """One code read. ``text`` is the payload as the decoder transcoded it; ``raw`` the bytes it holds
    (zxing-cpp gives the true bytes; pyzbar and OpenCV give their own UTF-8 rendering of the text)."""

    text: str
    raw: bytes
    decoder: str
    corners: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class DecodeResult:
    codes: tuple[Decoded, ...] = ()
    located: bool = False  # a code was found but could not be read (checksum errors, bad charset)


@dataclass(frozen=True)
class DecoderInfo:
    name: str
    available: bool
    version: str | None = None
    unavailable: Notice | None = None  # why not, for the officer or the doctor command


class Decoder(Protocol):
    name: str

    def info(self) -> DecoderInfo: ...

    def decode(self, gray: Image) -> DecodeResult: ...


def _dist_version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _package_info(name: str, package: str, error: str | None) -> DecoderInfo:
    """Info for a decoder that is a Python package: its version, or why it could not be imported."""
    if error is not None:
        return DecoderInfo(name, False, None, notice(MESSAGES, "module_missing", decoder=name, package=package,
                                                     error=error))
    return DecoderInfo(name, True, _dist_version(package))


class ZxingDecoder:
    """zxing-cpp. ``binarizer`` is ``"local"`` (its default, best on photos) or ``"global"`` (a histogram
    threshold that rescues some unevenly lit codes)."""

    def __init__(self, binarizer: str = "local", name: str = "zxing", *, invert: bool = True,
                 downscale: bool = True) -> None:
        """``invert``: also look for light-on-dark codes; ``downscale``: also scan smaller copies of the
        image (both zxing-cpp's defaults; each costs a second pass on an image without a code)."""
        self.name = name
        self._binarizer = binarizer
        self._invert, self._downscale = invert, downscale
        self._zx: Any = None
        self._error: str | None = None
        try:
            import zxingcpp

            self._zx = zxingcpp
        except ImportError as e:  # pragma: no cover - it is a hard dependency
            self._error = str(e)

    def info(self) -> DecoderInfo:
        return _package_info(self.name, "zxing-cpp", self._error)

    def decode(self, gray: Image) -> DecodeResult:
        zx = self._zx
        if zx is None:
            return DecodeResult()
        binarizer = zx.Binarizer.GlobalHistogram if self._binarizer == "global" else zx.Binarizer.LocalAverage
        found = zx.read_barcodes(
            gray, formats=zx.BarcodeFormat.QRCode, text_mode=zx.TextMode.Plain, binarizer=binarizer,
            return_errors=True,
        )
        codes, located = [], False
        for b in found:
            if b.error is not None or not b.valid:
                located = True
                continue
            p = b.position
            quad = (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
            corners = tuple((int(q.x), int(q.y)) for q in quad)
            codes.append(Decoded(b.text, bytes(b.bytes), self.name, corners))
        return DecodeResult(tuple(codes), located)


def _load_pyzbar() -> ModuleType:
    from pyzbar import pyzbar

    mod: ModuleType = pyzbar
    return mod


class ZbarDecoder:
    """pyzbar over the system libzbar0. zbar guesses the character set of non-UTF-8 payloads on its own
    (Shift_JIS, GB2312), so its ``text`` for such codes can differ from zxing-cpp's; passes are ASCII."""

    name = "zbar"

    def __init__(self, load: Callable[[], ModuleType] = _load_pyzbar) -> None:
        self._zbar: Any = None
        self._error: str | None = None
        try:
            self._zbar = load()
        except (ImportError, OSError) as e:  # pyzbar raises ImportError when libzbar0 cannot be found
            self._error = str(e) or type(e).__name__

    def info(self) -> DecoderInfo:
        if self._zbar is None:
            return DecoderInfo(self.name, False, None, notice(MESSAGES, "zbar_missing", error=self._error))
        version = f"pyzbar {_dist_version('pyzbar')}, libzbar {self._libzbar_version()}"
        return DecoderInfo(self.name, True, version)

    def _libzbar_version(self) -> str:
        try:
            from pyzbar import wrapper

            # Not pyzbar's ``wrapper.zbar_version``: it passes two pointers, but since zbar 0.23 the function
            # takes three (major, minor, patch) and writes the patch number (92 for 0.23.92) through whatever
            # the third argument register holds: a wild write into the interpreter's memory (on arm64 it hit
            # the thread list and Python crashed at exit; docs/arm64.md). Older zbar ignores the third pointer.
            uint_p = ctypes.POINTER(ctypes.c_uint)
            version = ctypes.CFUNCTYPE(ctypes.c_int, uint_p, uint_p, uint_p)(("zbar_version", wrapper.load_libzbar()))
            major, minor, patch = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
            version(ctypes.byref(major), ctypes.byref(minor), ctypes.byref(patch))
            return f"{major.value}.{minor.value}" + (f".{patch.value}" if patch.value else "")
        except Exception:  # version is decoration; never fail over it
            return "unknown"

    def decode(self, gray: Image) -> DecodeResult:
        zb = self._zbar
        if zb is None:
            return DecodeResult()
        codes = []
        for s in zb.decode(gray, symbols=[zb.ZBarSymbol.QRCODE]):
            data: bytes = s.data
            corners = tuple((int(p.x), int(p.y)) for p in s.polygon)
            codes.append(Decoded(data.decode("utf-8", "replace"), data, self.name, corners))
        return DecodeResult(tuple(codes))


class OpenCVDecoder:
    """OpenCV's QRCodeDetector: the slowest and weakest of the three, kept as a last resort.

    ``detectAndDecodeMulti``, not the single-code ``detectAndDecode``: the single call reads more of the
    corpus alone (108 vs 95 of 201) but adds nothing to the pipeline's 193, and on a cluttered empty
    1280x720 frame it costs ~90 ms CPU, up to 0.5 s, against a steady ~35 ms for the multi call."""

    name = "opencv"

    def __init__(self) -> None:
        self._det: Any = None
        self._error: str | None = None
        try:
            import cv2

            self._det = cv2.QRCodeDetector()
        except ImportError as e:  # pragma: no cover - it is a hard dependency
            self._error = str(e)

    def info(self) -> DecoderInfo:
        return _package_info(self.name, "opencv-python-headless", self._error)

    def decode(self, gray: Image) -> DecodeResult:
        if self._det is None:
            return DecodeResult()
        import cv2

        try:
            ok, texts, points, _ = self._det.detectAndDecodeMulti(gray)
        except UnicodeDecodeError:  # the binding insists on UTF-8; a Shift_JIS payload lands here
            return DecodeResult((), located=True)
        except cv2.error:
            return DecodeResult()
        if not ok:
            return DecodeResult()
        codes, located = [], False
        for text, quad in zip(texts, points, strict=False):
            if not text:
                located = True
                continue
            corners = tuple((int(x), int(y)) for x, y in quad)
            codes.append(Decoded(text, text.encode("utf-8"), self.name, corners))
        return DecodeResult(tuple(codes), located)


DECODERS: dict[str, Callable[[], Decoder]] = {
    "zxing": ZxingDecoder,
    "zbar": ZbarDecoder,
    "opencv": OpenCVDecoder,
}


def make_decoders(names: tuple[str, ...]) -> tuple[Decoder, ...]:
    """Decoders by name, in the configured order. Unknown names are a configuration error."""
    unknown = [n for n in names if n not in DECODERS]
    if unknown:
        raise ValueError(f"unknown decoder {', '.join(unknown)}: choose from {', '.join(DECODERS)}")
    return tuple(DECODERS[n]() for n in names)
