"""A frame: one image from a source, with where and when it came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.typing import NDArray

Image = NDArray[np.uint8]


@dataclass(frozen=True, eq=False)
class Frame:
    """One captured image. ``time`` is ``time.monotonic()`` at capture (comparable with the loop's clock);
    ``source`` labels it for people and logs: a file path, ``camera 0``, a stream URL without credentials."""

    image: Image  # BGR (H, W, 3) or grayscale (H, W), uint8
    index: int  # 0-based position in the source (frame number, or image number in a folder)
    time: float
    source: str


def to_gray(image: Image) -> Image:
    """Grayscale view of a frame: decoders want one channel, and it is a third of the bytes to scan."""
    if image.ndim == 2:
        return image
    import cv2

    code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
    return as_image(cv2.cvtColor(image, code))


def as_image(a: object) -> Image:
    """OpenCV's stubs type every result as a generic array; ours are all uint8."""
    return cast(Image, a)
