"""``checkpoint run``: the station app on the configured camera."""

from __future__ import annotations

import argparse
import sys
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

    clock = SystemClock()
    from checkpoint.datadir import prepare_data_dir
    from checkpoint.station_setup import missing

    config_path, data_dir = setup_paths(args.config, args.data_dir)
    prepare_data_dir(data_dir)
    if missing(config_path, data_dir).first_run and on_terminal():  # the first-run flow, then the scan screen
        from checkpoint.tui.wiring import first_run

        language = load_config(config_path).station.language if config_path.is_file() else "vi"
        if first_run(config_path, data_dir, clock, language) is None:
            print("checkpoint: set-up stopped; run 'checkpoint run' again to go on", file=sys.stderr)
            return EXIT_OK
    config = load_config(config_path if config_path.is_file() else args.config)  # no terminal: as before
    camera: Any = "config" if args.camera is None else args.camera
    return start_app(config, clock, data_dir=args.data_dir, camera=camera)


def on_terminal() -> bool:
    """Whether a person can answer the first-run flow (else the start stops with what to do instead)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def setup_paths(config: Path | None, data_dir: Path | None) -> tuple[Path, Path]:
    """The config file and data folder ``checkpoint run`` uses: ``--config``, else ``$CHECKPOINT_CONFIG``,
    else ``station.toml`` in the data folder (``--data-dir``, else the platform's); the first run writes
    the file when it does not exist yet."""
    import os

    from checkpoint.config import CONFIG_ENV, StationConfig, load_config
    from checkpoint.station_setup import CONFIG_FILE

    path = config if config is not None else (Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else None)
    if path is not None:
        folder = data_dir or (load_config(path).data_dir if path.is_file() else StationConfig().data_dir)
        return path, folder
    folder = data_dir or StationConfig().data_dir
    return folder / CONFIG_FILE, folder


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
                "checkpoint officers add --id ID --name NAME --supervisor (or start 'checkpoint run' on the "
                "station's screen: its first run sets the station up)"
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
