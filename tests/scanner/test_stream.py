"""A real MJPEG-over-HTTP stream (as IP cameras serve) from a local server, read through OpenCV's FFmpeg
backend; the server ends each connection after a few frames, so the stream drops and comes back."""

from __future__ import annotations

import http.server
import queue
import socketserver
import threading
from collections.abc import Iterator

import cv2
import pytest

from scanner._loop import ScanLoop, ScanResult
from scanner._reconnect import ReconnectBackoff, Reconnecting, SourceState, SourceStatus
from scanner.sources import StreamSource
from scanner.synthetic import Distortion, fake_pass_text, make_frame

TIMEOUT = 20.0
TEXT = fake_pass_text(80, 21)
FRAMES_PER_CONNECTION = 5


class _MJPEG(http.server.BaseHTTPRequestHandler):
    jpeg = cv2.imencode(".jpg", make_frame(TEXT, 21, size=(640, 480), d=Distortion(module_px=4)))[1].tobytes()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        part = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(self.jpeg)
        try:
            for _ in range(FRAMES_PER_CONNECTION):
                self.wfile.write(part + self.jpeg + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def stream_url() -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _MJPEG)
    server.daemon_threads = True
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://user:secret@127.0.0.1:{server.server_address[1]}/stream.mjpg"
    server.shutdown()
    server.server_close()


def test_a_dropping_http_stream_is_decoded_and_reconnected(stream_url: str) -> None:
    results: queue.Queue[ScanResult] = queue.Queue()
    statuses: list[SourceStatus] = []
    relive = threading.Event()

    def on_status(s: SourceStatus) -> None:
        statuses.append(s)
        if s.state is SourceState.LIVE and any(x.state is SourceState.LOST for x in statuses):
            relive.set()

    source = StreamSource(stream_url)
    assert "secret" not in source.label
    loop = ScanLoop(Reconnecting(source, ReconnectBackoff(0.01, 1.0, 0.01), on_status=on_status), results.put).start()
    assert results.get(timeout=TIMEOUT).texts == (TEXT,)
    assert relive.wait(TIMEOUT)  # the server closed the connection; a new one brought frames back
    assert results.get(timeout=TIMEOUT).texts == (TEXT,)
    assert loop.stop(TIMEOUT)
    lost = next(s for s in statuses if s.state is SourceState.LOST)
    assert "secret" not in lost.notice.text and "no frame" in (lost.error or "")
