"""``checkpoint demo``: the station app on generated passes shown to a simulated camera (no webcam)."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from checkpoint.cli import EXIT_OK, EXIT_REJECT
from checkpoint.errors import CheckpointError

DEMO_OFFICER = ("CB01", "Nguyễn Thị Demo", "1234")
DEMO_SUPERVISOR = ("CH01", "Trần Văn Chỉ Huy", "9999")


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "demo", help="run the station app on generated demo passes (no webcam needed)",
        description="Make a demo issuer, signed trust and revocation lists, and a batch of passes (valid, expired, "
        "forged, revoked, other categories), render each as a QR camera frame and feed them from a simulated "
        "camera through the real decoder, verifier and log, in the station app. Demo sign-in: officer CB01 PIN "
        "1234; supervisor CH01 PIN 9999 (F5). Without a terminal (or with --headless) it prints the verdicts "
        "and exits 0 when every pass got its expected verdict.",
    )
    p.add_argument("--data-dir", type=Path, metavar="DIR",
                   help="keep the demo station's data here (default: a temporary folder, removed after); "
                        "a folder a previous demo made is started afresh, any other non-empty folder is refused")
    p.add_argument("--headless", action="store_true", help="no app: print each verdict (also when not on a terminal)")
    p.add_argument("--language", choices=("vi", "en"), default="vi", help="language of the app (default vi)")
    p.add_argument("--fps", type=float, default=15.0, help="simulated camera frame rate (default 15)")
    p.add_argument("--loop", action="store_true", help="show the passes again and again (a kiosk)")
    p.add_argument("--no-sync", action="store_true",
                   help="do not start the demo's central server on 127.0.0.1 (the log is then not synced)")
    p.set_defaults(run=run)


DEMO_MARK = ".checkpoint-demo"


def run(args: argparse.Namespace) -> int:
    if args.data_dir is not None:
        return _run(args, prepare_demo_dir(args.data_dir))
    with tempfile.TemporaryDirectory(prefix="checkpoint-demo-") as tmp:
        return _run(args, Path(tmp))


def prepare_demo_dir(path: Path) -> Path:
    """A folder for the demo station: new or empty, or one an earlier demo made (its keys, lists, log and
    central server are then cleared, since every demo makes a new root and issuers). A folder with anything
    else in it may be a real station's: it is never touched."""
    import shutil

    from checkpoint.datadir import prepare_data_dir

    prepare_data_dir(path)
    mark = path / DEMO_MARK
    entries = [e for e in path.iterdir() if e.name != DEMO_MARK]
    if entries and not mark.exists():
        raise CheckpointError(f"{path} is not empty and was not made by 'checkpoint demo'; the demo only uses an "
                              "empty folder or its own (so it never touches a real station's data)")
    try:
        for e in entries:
            shutil.rmtree(e) if e.is_dir() and not e.is_symlink() else e.unlink()
        mark.write_text("made by 'checkpoint demo': cleared and reused by the next demo run\n")
    except OSError as e:
        raise CheckpointError(f"cannot clear the earlier demo in {path} ({e.strerror})") from None
    return path


def _run(args: argparse.Namespace, data_dir: Path) -> int:
    from checkpoint.clock import SystemClock
    from checkpoint.demo import make_world

    clock = SystemClock()
    world = make_world(data_dir, clock.now())
    if args.headless or not sys.stdout.isatty():
        return headless(world, clock)
    return interactive(world, clock, args)


def demo_config(world: Any, language: str) -> Any:
    from checkpoint.config import parse_config

    raw = dict(world.config.raw)
    raw["station"] = {**raw["station"], "language": language}
    raw["ui"] = {"sound": "bell", "lanes": ["1", "2", "3"]}
    raw["scanner"] = {"source": ""}
    return parse_config(raw)


def interactive(world: Any, clock: Any, args: argparse.Namespace) -> int:
    """The station app (started as ``checkpoint run`` starts it) on the simulated camera; the demo officer
    signed in, the demo supervisor added (F5)."""
    from checkpoint.camera import SimulatedCamera
    from checkpoint.cli.run import start_app
    from checkpoint.officers import OfficerPolicy, OfficerStore

    texts = [p.text for p in world.passes]
    config = demo_config(world, args.language)
    officers = OfficerStore.open(world.data_dir, clock, OfficerPolicy.from_config(config))
    if officers.get(DEMO_OFFICER[0]) is None:
        officers.add(*DEMO_OFFICER)
    if officers.get(DEMO_SUPERVISOR[0]) is None:
        officers.add(*DEMO_SUPERVISOR, supervisor=True)
    server = None if args.no_sync else demo_server(config, world.data_dir)
    try:
        return start_app(config, clock, data_dir=world.data_dir, officer_id=DEMO_OFFICER[0],
                         camera=lambda: SimulatedCamera(texts, fps=args.fps, loop=args.loop))
    finally:
        if server is not None:
            server.stop()


def demo_server(config: Any, data_dir: Path) -> Any:
    """The central server on 127.0.0.1 (a free port) with the demo station enrolled, as 'checkpoint enroll'
    would, so the status bar shows the log going out."""
    from datetime import UTC, datetime, timedelta

    from sync.protocol import public_key_text
    from sync.server.serve import ServerThread, open_app
    from sync.settings import Enrolment, save_enrolment
    from sync.wiring import client_for

    app, storage = open_app(data_dir / "central-server")
    thread = ServerThread(app)
    client = client_for(config, data_dir, config.station.id, thread.url)
    try:
        client.server_time()
        client.enroll(storage.create_token(datetime.now(UTC), timedelta(minutes=5)))
    finally:
        client.close()
    assert client.server_key is not None  # enroll pinned it
    save_enrolment(data_dir, Enrolment(thread.url, config.station.id, datetime.now(UTC).isoformat(),
                                       public_key_text(client.server_key)))

    class Running:
        def stop(self) -> None:
            thread.stop()
            storage.close()

    return Running()


def headless(world: Any, clock: Any) -> int:
    """The same pipeline without the app: camera frames, decoder, station service, log; one line per verdict."""
    from checkpoint.camera import Camera, SimulatedCamera
    from checkpoint.cli.common import decision_text
    from checkpoint.datadir import prepare_data_dir
    from checkpoint.service import Outcome, Post, StationService
    from checkpoint.settings import scanner_settings

    config = demo_config(world, "en")
    service = StationService.open(config, clock, data_dir=prepare_data_dir(world.data_dir))
    station = service.station
    revoked = len(station.revocations.ids) if station.revocations else 0
    print(f"Demo station {world.config.station.id}: {len(station.store)} issuer keys, {revoked} revoked passes")
    print(f"Showing {len(world.passes)} passes to a simulated camera; decoding with the real decoder cascade\n")
    outcomes: list[Outcome] = []
    post = Post(DEMO_OFFICER[0], "1", "in")
    source = SimulatedCamera([p.text for p in world.passes], fps=0, hold=1, gap=1, live=False)

    def on_text(text: str) -> None:
        out = service.check(text, post)
        if isinstance(out, Outcome):  # the demo has no multi-part cards
            outcomes.append(out)

    camera = Camera(source, scanner_settings(config).decoders, debounce=0.0, on_text=on_text,
                    on_state=lambda s: None)
    try:
        camera.start().loop.finished.wait()
    finally:
        camera.stop()
        service.close()
    wrong = 0
    for i, case in enumerate(world.passes, 1):
        got_outcome = outcomes[i - 1] if i - 1 < len(outcomes) else None
        if got_outcome is None:
            print(f"[{i:2}] {case.label}   <-- not read from the camera frame")
            wrong += 1
            continue
        d = got_outcome.decision
        got = d.reason.value if d.reason else d.verdict.value
        want_display = "CHECK" if case.duplicate_of else None
        bad = got != case.expected or (want_display is not None and d.display.value != want_display)
        wrong += bad
        mark = f"   <-- expected {case.expected}" if bad else ""
        print(f"[{i:2}] {case.label}{mark}")
        print("     " + decision_text(d).replace("\n", "\n     ") + "\n")
    if len(outcomes) > len(world.passes):
        print(f"{len(outcomes) - len(world.passes)} extra verdicts: a pass was counted twice")
        wrong += 1
    print(f"{len(world.passes) - wrong} of {len(world.passes)} passes got the expected verdict.")
    return EXIT_OK if wrong == 0 else EXIT_REJECT
