"""Benchmark: the central server under slow clients and idle connections (issue 13 item 4).

Usage: .venv/bin/python bench/server_attacks.py [--slow 40] [--idle 1100] [--code DIR]

The server runs as 'checkpoint server run' in its own process on 127.0.0.1 (``--code DIR``: the code of
another checkout, to measure main beside this branch). Two runs, each on a fresh server:

- **slow uploads**: ``--slow`` connections name an enrolled station (station ids are not secret), announce
  16 MiB, send 15 MiB as fast as they can and then stop sending. Printed: the server's RSS before, at its
  peak, and the replies the connections got.
- **idle connections**: ``--idle`` connections that never send a byte, held 15 s. Printed: the server's open
  descriptors at their peak, the bytes it wrote to its log, and whether a station's request still got an
  answer meanwhile.
"""

from __future__ import annotations

import argparse
import base64
import os
import resource
import selectors
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import cpu_model  # noqa: E402

STATION = "HN-BENCH-1"
MIB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def enrol(data: Path, code: Path) -> None:
    script = (
        "import sys; from datetime import UTC, datetime, timedelta; from pathlib import Path;"
        "from sync.server.storage import SQLiteStorage; from sync.protocol import public_key_text;"
        "from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey as K;"
        "s = SQLiteStorage(Path(sys.argv[1]) / 'server.sqlite'); now = datetime.now(UTC);"
        f"s.enroll(s.create_token(now, timedelta(hours=1)), '{STATION}', public_key_text(K.generate().public_key()), "
        "now); s.close()"
    )
    subprocess.run([sys.executable, "-c", script, str(data)], check=True, env=env_for(code), cwd=code)


def env_for(code: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(code)}


def start(data: Path, code: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-c", "import sys; from checkpoint.cli import main; sys.exit(main(sys.argv[1:]))",
           "server", "run", "--data-dir", str(data), "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env_for(code), cwd=code,
                            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024)))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"the server did not start; see {log}")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def reply_status(sock: socket.socket) -> str:
    sock.settimeout(0.5)
    try:
        data = sock.recv(256)
    except TimeoutError:
        return "no reply"
    except OSError as e:
        return type(e).__name__
    return data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else ("closed" if not data else "?")


def slow_uploads(port: int, pid: int, n: int) -> None:
    sig = base64.b64encode(bytes(64)).decode()
    head = (f"POST /v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {16 * MIB}\r\n"
            f"X-Checkpoint-Station: {STATION}\r\nX-Checkpoint-Signature: {sig}\r\n\r\n").encode()
    before = rss_mib(pid)
    peak = [before]
    socks: list[socket.socket] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mib(pid))
            time.sleep(0.1)

    threading.Thread(target=watch, daemon=True).start()

    def send(sock: socket.socket) -> None:
        try:
            sock.sendall(head)
            chunk = b" " * MIB
            for _ in range(15):
                sock.sendall(chunk)
        except OSError:
            pass

    started = time.monotonic()
    threads = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        socks.append(s)
        t = threading.Thread(target=send, args=(s,), daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join(60)
    time.sleep(5)  # the connections now send nothing more
    held = rss_mib(pid)
    replies: dict[str, int] = {}
    for s in socks:
        r = reply_status(s)
        replies[r] = replies.get(r, 0) + 1
    stop.set()
    for s in socks:
        s.close()
    print(f"slow uploads: {n} connections x 15 MiB of a 16 MiB body, then silence ({time.monotonic() - started:.0f} s)")
    print(f"  server RSS: {before:.0f} MiB before, {peak[0]:.0f} MiB peak, {held:.0f} MiB 5 s after the last byte")
    print(f"  replies: {dict(sorted(replies.items()))}")


def closed_count(socks: list[socket.socket]) -> int:
    """How many of ``socks`` the server has closed (one short wait for all, not one per socket)."""
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    closed = 0
    for key, _ in sel.select(timeout=0.5):
        sock = key.fileobj
        assert isinstance(sock, socket.socket)
        try:
            closed += sock.recv(1, socket.MSG_DONTWAIT) == b""
        except ConnectionResetError:
            closed += 1
        except OSError:
            pass
    sel.close()
    return closed


def idle_connections(port: int, pid: int, n: int, log: Path) -> None:
    log_before = log.stat().st_size
    fds_before = descriptors(pid)
    socks: list[socket.socket] = []
    refused = 0
    for _ in range(n):
        try:
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=0.3))
        except OSError:
            refused += 1
    peak_fds = fds_before
    answered = []
    started = time.monotonic()
    while time.monotonic() - started < 15:
        peak_fds = max(peak_fds, descriptors(pid))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.settimeout(2)
                s.sendall(b"GET /v1/time HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                answered.append(s.recv(64).startswith(b"HTTP/1.1 200"))
        except OSError:
            answered.append(False)
        time.sleep(0.5)
    closed_by_server = closed_count(socks)
    for s in socks:
        s.close()
    print(f"idle connections: {n} opened ({refused} refused by the kernel), held 15 s")
    print(f"  server descriptors: {fds_before} before, {peak_fds} peak; {closed_by_server} closed by the server")
    print(f"  log written: {(log.stat().st_size - log_before) / 1e6:.2f} MB; a station's GET /v1/time answered "
          f"{sum(answered)} of {len(answered)} times meanwhile")


def where(code: Path) -> str:
    """Which code the server process imports (a check that ``--code`` took)."""
    out = subprocess.run([sys.executable, "-c", "import sync.server.app as a; print(a.__file__)"], env=env_for(code),
                         cwd=code, capture_output=True, text=True)
    return out.stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--slow", type=int, default=40)
    ap.add_argument("--idle", type=int, default=1100)
    ap.add_argument("--run", choices=["slow", "idle"], action="append", help="only this run (repeatable)")
    ap.add_argument("--code", type=Path, default=ROOT, help="the checkout whose server to run (default: this one)")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}; server code: {args.code} ({where(args.code)}); "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    for run in args.run or ("slow", "idle"):
        with tempfile.TemporaryDirectory() as d:
            data, port, log = Path(d) / "srv", free_port(), Path(d) / "server.log"
            enrol(data, args.code)
            proc = start(data, args.code, port, log)
            try:
                time.sleep(1)
                if run == "slow":
                    slow_uploads(port, proc.pid, args.slow)
                else:
                    idle_connections(port, proc.pid, args.idle, log)
            finally:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


if __name__ == "__main__":
    main()
