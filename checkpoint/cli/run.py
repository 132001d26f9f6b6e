"""``checkpoint run``: the station app on the configured camera."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checkpoint.cli import EXIT_OK
from checkpoint.cli.common import add_config_option, add_data_dir_option
from checkpoint.errors import CheckpointError

if TYPE_CHECKING:
    from checkpoint.clock import Clock
    from checkpoint.config import StationConfig


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "run", help="start the station: scan screen on the configured camera and handheld scanner",
        description="Start the station app. The camera comes from [scanner] source in the config (an index like 0, "
        "/dev/video0, a video file or a stream URL; empty for handheld scanner only). Officers sign in with "
        "their id and PIN (add them first with 'checkpoint officers add').",
    )
    add_config_option(p)
    add_data_dir_option(p)
    p.add_argument("--camera", metavar="SPEC", help="camera to use instead of [scanner] source ('' for none)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from checkpoint.clock import SystemClock
    from checkpoint.config import load_config

    config = load_config(args.config)
    camera: Any = "config" if args.camera is None else args.camera
    return start_app(config, SystemClock(), data_dir=args.data_dir, camera=camera)


def start_app(config: StationConfig, clock: Clock, *, data_dir: Path | None, camera: Any,
              officer_id: str | None = None) -> int:
    """The one place the command line starts the terminal app (``checkpoint run``, ``checkpoint demo``).

    ``camera``: "config" for ``[scanner] source``, a source spec string ('' for none), or a factory of frame
    sources (the demo's simulated camera). ``officer_id``: sign that officer in at the start (the demo).
    The app's threads (sync worker, the log's checkpointer and id indexer) are stopped before returning.
    """
    from checkpoint.settings import scanner_settings
    from checkpoint.tui.app import StationApp
    from checkpoint.tui.wiring import build_services, camera_from

    if isinstance(camera, str) and camera != "config":
        camera = camera_from(scanner_settings(config), camera)
    services = build_services(config, clock, data_dir=data_dir, camera=camera)
    try:
        if len(services.officers) == 0:
            raise CheckpointError(
                f"no officers at this station ({services.data_dir}); add a supervisor first: "
                "checkpoint officers add --id ID --name NAME --supervisor"
            )
        officer = services.officers.get(officer_id) if officer_id is not None else None
        StationApp(services, officer=officer).run()
    finally:
        close_services(services)
    return EXIT_OK


def close_services(services: Any) -> None:
    """Stop and join the station's threads (sync worker, the log's checkpointer and id indexer) before the
    process exits: a daemon thread left running at interpreter exit is the first thing a memory fault hits."""
    if services.sync is not None:
        services.sync.stop()
    services.recorder.log.close()
