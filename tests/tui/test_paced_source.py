"""A folder or a video file used as the camera is read at a camera's pace, not all at once."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from checkpoint.camera import FOLDER_FPS, PacedSource, file_rate
from scanner.sources import FolderSource


def folder_of_images(path: Path, n: int) -> FolderSource:
    import cv2

    for i in range(n):
        cv2.imwrite(str(path / f"{i:02}.png"), np.full((40, 40), i * 20, dtype=np.uint8))
    return FolderSource(path)


def test_a_folder_is_read_at_its_pace(tmp_path: Path) -> None:
    source = folder_of_images(tmp_path, 5)
    assert file_rate(source) == FOLDER_FPS
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    paced = PacedSource(source, FOLDER_FPS, sleep=sleep, clock=lambda: now[0])
    paced.open()
    frames = [paced.read() for _ in range(5)]
    assert all(f is not None for f in frames)
    assert paced.read() is None
    # five images and the end: five waits of one period, the first image at once
    assert sum(slept) == 5 / FOLDER_FPS
    assert now[0] == 100.0 + 5 / FOLDER_FPS


def test_a_camera_paces_itself() -> None:
    from checkpoint.camera import SimulatedCamera

    assert file_rate(SimulatedCamera(["x"], fps=0)) is None  # type: ignore[arg-type]
