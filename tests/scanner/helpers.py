"""Shared test helpers: real images from tests/data/qr and generated frames."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from scanner.frames import Image
from scanner.synthetic import Distortion, fake_pass_text, make_frame

DATA_QR = Path(__file__).resolve().parents[1] / "data" / "qr"


def truth(image: Path) -> str:
    t = image.with_suffix(".txt").read_bytes().decode("utf-8")
    return t[:-1] if t.endswith("\n") else t


def data_images() -> list[Path]:
    return sorted(p for p in DATA_QR.iterdir() if p.suffix in (".png", ".webp"))


def pass_frame(
    seed: int = 1,
    chars: int = 400,
    d: Distortion = Distortion(),  # noqa: B008 - frozen value
    size: tuple[int, int] = (1280, 720),
) -> tuple[str, Image]:
    text = fake_pass_text(chars, seed)
    return text, make_frame(text, seed, size=size, d=d)


def damaged(frame: Image, corners: tuple[tuple[int, int], ...]) -> Image:
    """Paint over the middle of a code: finder patterns stay (it is located), the data cannot be read."""
    (x0, y0), _, (x1, _), _ = corners
    w = x1 - x0
    g = frame.copy()
    for i in range(6):
        a = (x0 + int(w * 0.3), y0 + int(w * (0.2 + i * 0.1)))
        b = (x0 + int(w * 0.9), y0 + int(w * (0.25 + i * 0.1)))
        cv2.line(g, a, b, 0, 6)
    cv2.rectangle(g, (x0 + int(w * 0.35), y0 + int(w * 0.35)), (x0 + int(w * 0.7), y0 + int(w * 0.7)), 255, -1)
    return np.ascontiguousarray(g)
