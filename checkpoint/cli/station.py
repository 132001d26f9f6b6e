"""``checkpoint station fingerprint``: the station's signing key, in a form a person can compare.

The station's Ed25519 key (``station.key`` in its data folder) signs its sync batches and the manifests
of its exports. Whoever checks an export away from the station needs to know that key: the supervisor
writes this fingerprint down (or reads it over the phone) when the station is set up, and gives it to
``checkpoint export verify FILE --fingerprint FP``. The supervisor screen (F5) shows the same
fingerprint, and the central server lists it for each enrolled station (``checkpoint server stations``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from checkpoint.cli import EXIT_OK
from checkpoint.cli.common import add_config_option, add_data_dir_option, config_from
from checkpoint.display import shown


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "station", help="this station's identity: its signing key's fingerprint",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ssub = p.add_subparsers(dest="station_command", metavar="ACTION", title="actions", required=True)
    f = ssub.add_parser(
        "fingerprint", help="print the fingerprint of the station's signing key",
        description="Print the fingerprint of the station's signing key: 32 hex digits in groups of four,\n"
        "the first 128 bits of SHA-256 over the raw Ed25519 public key. Standard output holds the\n"
        "fingerprint alone; the station id and data folder go to standard error. The key is made on\n"
        "first use, as enrolment and exports do.",
        epilog="Examples:\n  checkpoint station fingerprint\n  checkpoint station fingerprint --public-key "
        "tram-01.pub.pem   # and the public key, for --station-key",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_option(f)
    add_data_dir_option(f)
    f.add_argument("--public-key", type=Path, metavar="FILE",
                   help="also write the station's public key (PEM) to FILE")
    f.set_defaults(run=run_fingerprint)


def station_fingerprint(data_dir: Path) -> str:
    """The fingerprint of the station key in ``data_dir`` (made there on first use)."""
    from checkpoint.fingerprint import fingerprint
    from checkpoint.station_keys import load_or_create_station_key

    return fingerprint(load_or_create_station_key(data_dir).public_key())


def run_fingerprint(args: argparse.Namespace) -> int:
    from checkpoint.atomic import write_atomic
    from checkpoint.station_keys import load_or_create_station_key
    from checkpoint.trust import keys

    config = config_from(args)
    data_dir = args.data_dir or config.data_dir
    print(shown(f"station {config.station.id}: signing key fingerprint (data folder {data_dir})"), file=sys.stderr)
    print(station_fingerprint(data_dir))
    if args.public_key is not None:
        public = load_or_create_station_key(data_dir).public_key()
        try:
            write_atomic(args.public_key, keys.public_pem(public))
        except OSError as e:
            from checkpoint.errors import CheckpointError

            raise CheckpointError(f"{args.public_key}: cannot write the public key ({e.strerror})") from None
        print(shown(f"public key written to {args.public_key}"), file=sys.stderr)
    return EXIT_OK
