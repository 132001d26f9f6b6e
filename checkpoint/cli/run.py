"""``checkpoint run``: the station app on the configured camera."""

from __future__ import annotations

import argparse
from typing import Any

from checkpoint.cli import EXIT_OK
from checkpoint.cli.common import add_config_option, add_data_dir_option
from checkpoint.errors import CheckpointError


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
    from checkpoint.cli.demo import close_services
    from checkpoint.clock import SystemClock
    from checkpoint.config import load_config
    from checkpoint.tui.app import StationApp
    from checkpoint.tui.settings import scanner_settings
    from checkpoint.tui.wiring import build_services, camera_from

    config = load_config(args.config)
    camera: Any = "config" if args.camera is None else camera_from(scanner_settings(config), args.camera)
    services = build_services(config, SystemClock(), data_dir=args.data_dir, camera=camera)
    if len(services.officers) == 0:
        raise CheckpointError(
            f"no officers at this station ({services.data_dir}); add a supervisor first: "
            "checkpoint officers add --id ID --name NAME --supervisor"
        )
    try:
        StationApp(services).run()
    finally:
        close_services(services)
    return EXIT_OK
