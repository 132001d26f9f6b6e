"""The ``checkpoint`` command. Each subcommand is a module with ``register(subparsers)``.

Modules import their heavy dependencies inside their run functions, so ``checkpoint verify`` stays
fast and never loads OpenCV or Textual.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
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
    "checkpoint.cli.watch",
    "checkpoint.cli.trust",
    "checkpoint.cli.policy",
    "checkpoint.cli.clock",
    "checkpoint.cli.log",
    "checkpoint.cli.supervisor_key",
    "checkpoint.cli.sync",
    "checkpoint.cli.server",
    "checkpoint.cli.export",
    "checkpoint.cli.station",
    "checkpoint.cli.report",
    "checkpoint.cli.scan",
    "checkpoint.cli.doctor",
)

EXIT_OK, EXIT_REJECT, EXIT_USAGE = 0, 1, 2
EXIT_INTERNAL = 70  # EX_SOFTWARE: a fault in the station's own code, not the user's input
EXIT_PIPE = 141  # what a shell reports for a program ended by SIGPIPE (128 + 13)


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
        sys.stdout.flush()  # a closed pipe shows here, inside the handler, not at interpreter exit
        return code
    except CheckpointError as e:
        print(f"checkpoint: {error_text(e)}", file=sys.stderr)  # errors quote servers, files and passes
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("checkpoint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _stdout_closed()
    except EOFError:
        print("checkpoint: the input ended before an answer was given (no terminal to ask on?); "
              "run the command on a terminal, or see its --help for the variables a script may set",
              file=sys.stderr)
        return EXIT_USAGE
    except Exception as e:
        # A fault of the station's own code: one readable line (no personal data: only the type and
        # where), the whole traceback with --verbose or in the log; never a raw traceback to an officer.
        logging.getLogger("checkpoint").debug("unexpected error", exc_info=True)
        where = _origin(e)
        print(f"checkpoint: internal error ({type(e).__name__} in {where}); this is a fault in the station "
              "software, not in your input: run again with -v and report the output", file=sys.stderr)
        if args.verbose:
            import traceback

            traceback.print_exc()
        return EXIT_INTERNAL


def _stdout_closed() -> int:
    """The reader of our output went away (``checkpoint ... | head``): stop quietly, as a Unix tool does.

    Standard output is pointed at /dev/null so the interpreter's final flush does not fail again.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_PIPE


def _origin(e: BaseException) -> str:
    tb = e.__traceback__
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    if last is None:
        return "unknown place"
    code = last.tb_frame.f_code
    return f"{os.path.basename(code.co_filename)}:{last.tb_lineno}"
