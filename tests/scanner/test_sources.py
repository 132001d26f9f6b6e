from __future__ import annotations

import threading
from pathlib import Path

import cv2
import pytest

from scanner._errors import SourceError
from scanner._reconnect import Reconnecting
from scanner.sources import (
    CameraSource,
    FolderSource,
    ImageFileSource,
    StreamSource,
    VideoFileSource,
    open_source,
    redact_url,
)
from scanner.synthetic import Distortion, fake_pass_text, make_frame
from tests.scanner.helpers import DATA_QR


def _frames(source: object) -> list[tuple[int, str, tuple[int, ...]]]:
    r = Reconnecting(source)  # type: ignore[arg-type]
    return [(f.index, f.source, f.image.shape) for f in r.frames(threading.Event())]


def test_open_source_picks_the_kind_from_the_spec(tmp_path: Path) -> None:
    (tmp_path / "clip.mp4").write_bytes(b"")
    assert isinstance(open_source("0"), CameraSource)
    assert isinstance(open_source("/dev/video2"), CameraSource)
    assert isinstance(open_source("rtsp://user:pw@10.0.0.5/live"), StreamSource)
    assert isinstance(open_source("https://cam.local/mjpeg"), StreamSource)
    assert isinstance(open_source(str(tmp_path)), FolderSource)
    assert isinstance(open_source(str(DATA_QR / "qrcode-6-1.png")), ImageFileSource)
    assert isinstance(open_source(str(tmp_path / "clip.mp4")), VideoFileSource)
    with pytest.raises(SourceError, match="no such file, folder or camera"):
        open_source(str(tmp_path / "nothing-here"))
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(SourceError, match="cannot tell what kind of source"):
        open_source(str(tmp_path / "notes.txt"))


def test_stream_labels_never_show_credentials() -> None:
    assert redact_url("rtsp://admin:secret@10.0.0.5:554/stream1") == "rtsp://10.0.0.5:554/stream1"
    assert open_source("rtsp://admin:secret@10.0.0.5/s").label == "rtsp://10.0.0.5/s"
    assert redact_url("http://cam.local/mjpeg") == "http://cam.local/mjpeg"


def test_folder_gives_each_image_in_name_order_then_ends(tmp_path: Path) -> None:
    for name in ("b.png", "a.png", "c.jpg"):
        cv2.imwrite(str(tmp_path / name), make_frame(None, 1, size=(64, 48)))
    (tmp_path / "readme.txt").write_text("not an image")
    (tmp_path / "broken.png").write_bytes(b"not a png")
    got = _frames(FolderSource(tmp_path))
    assert [Path(s).name for _, s, _ in got] == ["a.png", "b.png", "c.jpg"]
    assert [i for i, _, _ in got] == [0, 1, 3]  # index is the position among the image files
    assert got[0][2] == (48, 64)


def test_image_file_is_one_frame() -> None:
    got = _frames(ImageFileSource(DATA_QR / "qr-inv-1.webp"))
    assert len(got) == 1 and got[0][1].endswith("qr-inv-1.webp")


def test_a_missing_file_fails_once_without_retrying(tmp_path: Path) -> None:
    r = Reconnecting(ImageFileSource(tmp_path / "gone.png"))
    with pytest.raises(SourceError, match="no such image file"):
        list(r.frames(threading.Event()))
    assert r.status.state == "lost"


def test_video_file_frames_then_end_or_loop(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    text = fake_pass_text(60, seed=9)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10, (320, 240))
    for i in range(5):
        img = make_frame(text if i == 2 else None, i, size=(320, 240), d=Distortion(module_px=4))
        writer.write(cv2.cvtColor(img, cv2.COLOR_GRAY2BGR))
    writer.release()
    assert [i for i, _, _ in _frames(VideoFileSource(path))] == [0, 1, 2, 3, 4]
    looping = VideoFileSource(path, loop=True)
    looping.open()
    frames = [looping.read() for _ in range(12)]
    looping.close()
    assert all(f is not None for f in frames)


def test_a_camera_that_is_not_there_raises_a_source_error_naming_it() -> None:
    cam = CameraSource("/dev/video-none-such")
    with pytest.raises(SourceError, match=r"camera /dev/video-none-such: cannot open it \(is the camera plugged in"):
        cam.open()
