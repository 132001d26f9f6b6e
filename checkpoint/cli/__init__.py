"""The ``checkpoint`` command. Each subcommand is a module with ``register(subparsers)``.

Modules import their heavy dependencies inside their run functions, so ``checkpoint verify`` stays
fast and never loads OpenCV or Textual.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from checkpoint import __version__
from checkpoint.display import error_text, install_safe_logging
from checkpoint.errors import CheckpointError

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS = (
    "checkpoint.cli.demo",
    "checkpoint.cli.run",
    "checkpoint.cli.officers",
    "checkpoint.cli.verify",
    "checkpoint.cli.issuer",
    "checkpoint.cli.trust",
    "checkpoint.cli.log",
    "checkpoint.cli.supervisor_key",
    "checkpoint.cli.sync",
    "checkpoint.cli.server",
    "checkpoint.cli.export",
    "checkpoint.cli.report",
    "checkpoint.cli.scan",
    "checkpoint.cli.doctor",
)

EXIT_OK, EXIT_REJECT, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="checkpoint",
        description="Checkpoint QR scanning station: scan, verify offline, log, sync, export.",
        epilog="Run 'checkpoint COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    install_safe_logging()  # log lines quote servers, files and passes: no raw control characters
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        code: int = args.run(args)
        return code
    except CheckpointError as e:
        print(f"checkpoint: {error_text(e)}", file=sys.stderr)  # errors quote servers, files and passes
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("checkpoint: interrupted", file=sys.stderr)
        return 130
