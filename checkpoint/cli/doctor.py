"""``checkpoint doctor``: what this station has to work with, and what is wrong.

Cameras (video devices, optionally opened to read a frame), handheld serial scanners, the QR decoders
with their versions (and whether the system library libzbar0 is present), a self-test that each decoder
reads a generated code, then the station: the config file and every table of it, the configured camera
(opened, one frame read), whether names are kept (the supervisor's key, [log] seal_to), trust list
age, clock state, the crossing log (readable, crossings, unsynced) and the enrolled sync server
(reachable within 5 s, and its clock offset).
Exit status: 0 when the station can work (a decoder reads the test code, the config loads and every
setting is valid, the configured camera gives a frame); 1 otherwise, with each problem listed last.
Warnings (no config file, names not kept, no camera configured) do not change the exit status.
"""

from __future__ import annotations

import argparse
import glob
import os
import time
from pathlib import Path
from typing import Any

from checkpoint.cli import EXIT_OK, EXIT_REJECT
from checkpoint.cli.common import add_config_option, add_data_dir_option, clock_from, config_from
from checkpoint.display import json_text, shown, shown_lines


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "doctor", help="check cameras, scanners, decoders, trust lists and clock",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_option(p)
    add_data_dir_option(p)
    p.add_argument("--at", metavar="ISO-8601", help=argparse.SUPPRESS)
    p.add_argument("--probe-cameras", action="store_true", help="open each camera and read one frame")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def cameras(probe: bool) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    for dev in sorted(glob.glob("/dev/video*"), key=lambda d: (len(d), d)):
        name_file = Path("/sys/class/video4linux") / Path(dev).name / "name"
        entry: dict[str, object] = {
            "device": dev,
            "name": name_file.read_text().strip() if name_file.exists() else None,
            "accessible": os.access(dev, os.R_OK | os.W_OK),
        }
        if probe:
            from scanner import CameraSource, SourceError

            cam = CameraSource(dev)
            try:
                cam.open()
                frame = cam.read()
                entry["frame"] = f"{frame.image.shape[1]}x{frame.image.shape[0]}" if frame else None
            except SourceError as e:
                entry["error"] = str(e)
            finally:
                cam.close()
        found.append(entry)
    return found


def serial_ports() -> list[dict[str, object]]:
    from serial.tools import list_ports

    return [{"device": p.device, "description": p.description}
            for p in list_ports.comports() if "ACM" in p.device or "USB" in p.device]


def decoders() -> list[dict[str, object]]:
    from scanner.decoders import DECODERS
    from scanner.synthetic import Distortion, fake_pass_text, make_frame

    text = fake_pass_text(120, seed=1)  # a clean code: this checks the decoder works, not how robust it is
    frame = make_frame(text, 1, size=(640, 480), d=Distortion(module_px=4.0))
    out: list[dict[str, object]] = []
    for name, make in DECODERS.items():
        dec = make()
        info = dec.info()
        entry: dict[str, object] = {"name": name, "available": info.available, "version": info.version}
        if info.unavailable is not None:
            entry["problem"] = info.unavailable.text
            entry["problem_code"] = info.unavailable.code
        else:
            t = time.perf_counter()
            got = dec.decode(frame)
            entry["self_test"] = "reads" if any(c.text == text for c in got.codes) else "FAILS"
            entry["self_test_ms"] = round((time.perf_counter() - t) * 1000, 1)
        out.append(entry)
    return out


def settings(args: argparse.Namespace) -> dict[str, Any]:
    """The config file and every table the station reads, each validated as the app would at start;
    the configured camera opened and one frame read (the app's camera, not whatever /dev/video0 is)."""
    from checkpoint.config import CONFIG_ENV
    from checkpoint.errors import CheckpointError

    problems: list[str] = []
    warnings: list[str] = []
    out: dict[str, Any] = {"problems": problems, "warnings": warnings}
    given = getattr(args, "config", None) or os.environ.get(CONFIG_ENV)
    out["config"] = str(given) if given else None
    if not given:
        warnings.append(f"no config file: built-in defaults (set {CONFIG_ENV} or --config to the station's file)")
    try:
        config = config_from(args)
    except CheckpointError as e:
        problems.append(str(e))
        return out
    from checkpoint.export import export_settings
    from checkpoint.log import log_settings
    from checkpoint.settings import scanner_settings, ui_settings

    for name, check in (("ui", ui_settings), ("scanner", scanner_settings), ("export", export_settings),
                        ("log", lambda c: log_settings(c, args.data_dir))):
        try:
            check(config)
        except CheckpointError as e:
            problems.append(f"[{name}]: {e}")
    try:
        seal_to = log_settings(config, args.data_dir).seal_to
    except CheckpointError:
        seal_to = None
    out["names_kept"] = seal_to is not None
    if seal_to is None:
        warnings.append("[log] seal_to is not set: the station keeps NO names or personal fields of crossings "
                        "(only keyed hashes); set it to the supervisor's public key (checkpoint supervisor-key)")
    elif not seal_to.is_file():
        problems.append(f"[log] seal_to {seal_to}: the supervisor's public key file does not exist")
    out["camera"] = configured_camera(config, problems, warnings)
    return out


def configured_camera(config: Any, problems: list[str], warnings: list[str]) -> dict[str, object]:
    from checkpoint.errors import CheckpointError
    from checkpoint.settings import scanner_settings

    try:
        source = scanner_settings(config).source
    except CheckpointError:
        return {"state": "not checked ([scanner] is invalid)"}
    if not source:
        warnings.append("[scanner] source is empty: no camera, handheld scanner only")
        return {"source": "", "state": "none configured"}
    from scanner import CaptureSettings, SourceError, open_source

    st = scanner_settings(config)
    try:
        src = open_source(source, CaptureSettings(st.width, st.height))
        src.open()
    except SourceError as e:
        problems.append(f"[scanner] source {source!r}: {e}")
        return {"source": source, "state": "CANNOT OPEN", "problem": str(e)}
    try:
        frame = None
        for _ in range(30):  # a camera may need a few reads before its first frame
            frame = src.read()
            if frame is not None:
                break
    except SourceError as e:
        problems.append(f"[scanner] source {source!r}: {e}")
        return {"source": source, "state": "NO FRAMES", "problem": str(e)}
    finally:
        src.close()
    if frame is None:
        problems.append(f"[scanner] source {source!r}: opened, but gave no frame")
        return {"source": source, "state": "NO FRAMES"}
    return {"source": source, "state": "ok", "frame": f"{frame.image.shape[1]}x{frame.image.shape[0]}"}


def station(args: argparse.Namespace) -> dict[str, object]:
    from checkpoint.errors import CheckpointError
    from checkpoint.station import Station

    try:
        st = Station(config_from(args), clock_from(args), data_dir=args.data_dir)
    except CheckpointError as e:
        return {"problem": str(e)}
    t = st.guard.assess()
    age = st.list_age(t.effective)
    stale_after = st.config.trust.stale_after_hours
    lists = {x.kind: x for x in st.lists_in_force()}
    rl = lists.get("revocation list")
    return {
        "trust_list_age_hours": round(age, 1) if age is not None else None,
        "trust_list_stale": age is None or age > stale_after,
        "revocation_list": st.revocations is not None,
        # an expired list stays in force (fails closed); every verdict is then flagged lists_stale (CHECK)
        "lists": {kind: {"version": x.version, "age_hours": round(x.age_hours(t.effective), 1),
                         "expires": x.expires.isoformat(), "expired": x.expired(t.effective),
                         "stale": x.expired(t.effective) or x.age_hours(t.effective) > stale_after}
                  for kind, x in lists.items()},
        "revocation_list_age_hours": round(rl.age_hours(t.effective), 1) if rl else None,
        "clock": {"system": t.system.isoformat(), "suspect": t.suspect,
                  "trusted_high_water": t.high_water.isoformat() if t.high_water else None},
        "problems": [f"{p.source}: {p.message}" for p in st.problems],
        "log": crossing_log(args),
        "server": server(args),
    }


def crossing_log(args: argparse.Namespace) -> dict[str, object]:
    """Opens the log read-only: counts and the unsynced backlog; the full chain walk is 'checkpoint log verify'."""
    from checkpoint.clock import SystemClock
    from checkpoint.errors import CheckpointError
    from checkpoint.log import CrossingLog, log_settings

    try:
        path = log_settings(config_from(args), args.data_dir).path
        if not path.exists():
            return {"path": str(path), "state": "none yet (created at the first recorded crossing)"}
        with CrossingLog.open_readonly(path, clock=SystemClock()) as log:
            cursor = int(log.meta().get("sync_cursor", "0"))
            return {"path": str(path), "state": "readable", "crossings": log.count(),
                    "unsynced": log.last_seq - cursor, "full_check": "checkpoint log verify"}
    except CheckpointError as e:
        return {"state": "PROBLEM", "problem": str(e)}


def server(args: argparse.Namespace) -> dict[str, object]:
    """Asks the enrolled server its time and, in a signed request, how far it holds this station's log (5 s
    at most each): reachable or not, whether it still takes this station, and how far our clock is off. An
    unreachable server is normal for a station offline; one that refuses the station is a problem."""
    from dataclasses import replace

    from checkpoint.clock import SystemClock
    from checkpoint.errors import CheckpointError
    from sync import protocol
    from sync.errors import NotEnrolled, Refused, TamperDetected, Unauthenticated
    from sync.settings import load_enrolment, sync_settings
    from sync.wiring import client_for

    try:
        config = config_from(args)
        data_dir = args.data_dir or config.data_dir
        enrolment = load_enrolment(data_dir)
        settings = replace(sync_settings(config), timeout_seconds=min(5, sync_settings(config).timeout_seconds))
        url = settings.server_url or enrolment.server_url
        try:
            pinned = protocol.public_key_from_text(enrolment.server_key)
        except protocol.ProtocolError:
            raise NotEnrolled("the pinned server key in the enrolment record is damaged; enrol again") from None
        client = client_for(config, data_dir, enrolment.station_id, url, settings=settings, server_key=pinned,
                            allow_insecure_http=enrolment.allow_insecure_http)
        try:
            t = client.server_time()
            offset = (t - SystemClock().now()).total_seconds()
            try:  # a signed request: does the server still take this station's log?
                ack = client.cursor()
            except (Refused, TamperDetected, Unauthenticated) as e:
                return {"url": url, "state": "REFUSES THIS STATION", "clock_offset_seconds": round(offset, 1),
                        "problem": str(e)}
        finally:
            client.close()
        return {"url": url, "state": "reachable", "clock_offset_seconds": round(offset, 1),
                "server_holds_up_to": ack.acknowledged_seq}
    except NotEnrolled as e:
        return {"state": "not enrolled", "problem": str(e)}
    except CheckpointError as e:
        return {"state": "UNREACHABLE", "problem": str(e)}


def run(args: argparse.Namespace) -> int:
    decs = decoders()
    setup = settings(args)
    report = {
        "cameras": cameras(args.probe_cameras),
        "serial_scanners": serial_ports(),
        "decoders": decs,
        "settings": setup,
        "station": station(args),
    }
    problems: list[str] = list(setup["problems"])
    srv = report["station"].get("server") if isinstance(report["station"], dict) else None
    if isinstance(srv, dict) and srv.get("state") == "REFUSES THIS STATION":
        problems.append(f"the central server refuses this station: {srv.get('problem')}")
    if not any(d.get("self_test") == "reads" for d in decs):
        problems.insert(0, "no decoder reads the test code: the station cannot scan")
    report["problems"] = problems
    report["warnings"] = setup["warnings"]
    ok = not problems
    if args.json:
        print(json_text(report, indent=2))
    else:
        # device names, USB descriptors, paths, a server's answer: outside text, each value on its own (a
        # line feed inside a value must not forge a report line)
        print(shown_lines(_text(_shown_values(report))))
    return EXIT_OK if ok else EXIT_REJECT


def _shown_values(value: Any) -> Any:
    """The report with every string through the display boundary (line feeds escaped too)."""
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, dict):
        return {k: _shown_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shown_values(v) for v in value]
    return value


def _text(report: dict[str, Any]) -> str:
    lines = ["Cameras:"]
    lines += [f"  {c['device']}  {c.get('name') or ''}  {'ok' if c['accessible'] else 'NO ACCESS'}"
              + (f"  frame {c['frame']}" if c.get("frame") else "") + (f"  {c['error']}" if c.get("error") else "")
              for c in report["cameras"]] or ["  none found (no /dev/video* device)"]
    lines.append("Serial scanners:")
    lines += [f"  {s['device']}  {s['description']}" for s in report["serial_scanners"]] or ["  none found"]
    lines.append("Decoders:")
    for d in report["decoders"]:
        if d["available"]:
            lines.append(f"  {d['name']:<7} {d['version']}  self-test {d['self_test']} ({d['self_test_ms']} ms)")
        else:
            lines.append(f"  {d['name']:<7} OFF: {d['problem']}")
    s = report["station"]
    lines.append("Station:")
    if "problem" in s:
        lines.append(f"  {s['problem']}")
    else:
        for kind in ("trust list", "revocation list"):
            x = s["lists"].get(kind)
            if x is None:
                lines.append(f"  {kind}: none installed" + ("  (STALE: install one)" if kind == "trust list" else ""))
                continue
            state = ("  EXPIRED at " + x["expires"] + ": still applied, every verdict shows CHECK; sync or install "
                     "a current list") if x["expired"] else ("  (STALE: update it)" if x["stale"] else "")
            lines.append(f"  {kind}: v{x['version']}, {x['age_hours']} h old{state}")
        lines.append(f"  clock: {s['clock']['system']}" + ("  SUSPECT: behind trusted time" if s["clock"]["suspect"]
                                                          else "  ok"))
        lines += [f"  problem: {p}" for p in s["problems"]]
        log = s["log"]
        counts = f", {log['crossings']} crossings, {log['unsynced']} unsynced" if "crossings" in log else ""
        lines.append(f"  log: {log.get('path', '')} {log['state']}{counts}" + (f": {log['problem']}"
                                                                              if "problem" in log else ""))
        srv = s["server"]
        lines.append(f"  server: {srv.get('url', '')} {srv['state']}"
                     + (f", clock offset {srv['clock_offset_seconds']} s" if "clock_offset_seconds" in srv else "")
                     + (f", holds crossings 1..{srv['server_holds_up_to']}" if "server_holds_up_to" in srv else "")
                     + (f": {srv['problem']}" if "problem" in srv else ""))
    cam = report["settings"].get("camera")
    if cam:
        lines.append(f"Configured camera: {cam.get('source') or '-'}  {cam['state']}"
                     + (f"  frame {cam['frame']}" if cam.get("frame") else ""))
    lines += [f"WARNING: {w}" for w in report["warnings"]]
    lines += [f"PROBLEM: {p}" for p in report["problems"]]
    lines.append("Verdict: " + ("ready" if not report["problems"] else
                                f"NOT READY ({len(report['problems'])} problem(s) above)"))
    return "\n".join(lines)
