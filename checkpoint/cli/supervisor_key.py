"""``checkpoint supervisor-key``: the X25519 key pair personal data is sealed to.

The public half goes to every station (``[log] seal_to``); the private half stays with the
supervisor or central authority, encrypted with a passphrase, and is needed to read personal data
in exports. The passphrase is asked for (twice) on the terminal, never taken from the command line;
scripts may set ``CHECKPOINT_SUPERVISOR_PASSPHRASE`` instead.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from checkpoint.cli import EXIT_OK
from checkpoint.errors import CheckpointError

PASSPHRASE_ENV = "CHECKPOINT_SUPERVISOR_PASSPHRASE"  # noqa: S105 (the name of a variable, not a secret)
MIN_PASSPHRASE = 12


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "supervisor-key", help="make the supervisor's key pair for sealing personal data",
        description="The supervisor's X25519 key pair: stations seal personal data to the public key and cannot "
        "read it back; only the private key (kept by the supervisor, passphrase-protected) opens it.",
    )
    ksub = p.add_subparsers(dest="key_command", metavar="ACTION", title="actions", required=True)
    g = ksub.add_parser(
        "generate", help="make a new key pair",
        description="Write the private key (PEM, encrypted with a passphrase, mode 0600) to FILE and the public "
        f"key to NAME.pub.pem beside it. The passphrase is asked for twice (or read from ${PASSPHRASE_ENV}).",
    )
    g.add_argument("--out", type=Path, required=True, metavar="FILE", help="private key file to write")
    g.add_argument("--public-out", type=Path, metavar="FILE", help="public key file (default NAME.pub.pem)")
    g.set_defaults(run=run_generate)


def public_path_for(private: Path) -> Path:
    stem = private.name.removesuffix(".pem").removesuffix(".key")
    return private.with_name(f"{stem}.pub.pem")


def read_passphrase() -> bytes:
    env = os.environ.get(PASSPHRASE_ENV)
    if env is not None:
        phrase = env
    else:
        import getpass

        try:
            phrase = getpass.getpass("Passphrase for the supervisor key: ")
            again = getpass.getpass("Repeat the passphrase: ")
        except EOFError:
            raise CheckpointError(
                f"no terminal to ask the passphrase on; run this on a terminal or set ${PASSPHRASE_ENV} "
                "(nothing was written)"
            ) from None
        if again != phrase:
            raise CheckpointError("the two passphrases differ; nothing was written")
    if len(phrase) < MIN_PASSPHRASE:
        raise CheckpointError(f"the passphrase must be at least {MIN_PASSPHRASE} characters; nothing was written")
    return phrase.encode("utf-8")


def run_generate(args: argparse.Namespace) -> int:
    from checkpoint.atomic import write_atomic
    from checkpoint.sealing import generate, private_pem, public_pem

    public_out = args.public_out or public_path_for(args.out)
    for path in (args.out, public_out):
        if path.exists():
            raise CheckpointError(f"{path} exists; a supervisor key is never overwritten (move it away first)")
    passphrase = read_passphrase()
    key = generate()
    try:
        write_atomic(public_out, public_pem(key.public_key()), mode=0o644)
        try:
            write_atomic(args.out, private_pem(key, passphrase), mode=0o600)
        except OSError:
            public_out.unlink(missing_ok=True)  # never leave a public key whose private half is lost
            raise
    except OSError as e:
        raise CheckpointError(f"cannot write the key files ({e.strerror}); nothing was kept") from None
    print(f"private key: {args.out} (keep it offline; needed to read personal data in exports)")
    print(f"public key:  {public_out} (set [log] seal_to to this file on every station)")
    return EXIT_OK
