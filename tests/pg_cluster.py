"""A throwaway PostgreSQL cluster for the tests and the benchmarks: initdb + pg_ctl from the distribution's
packages (/usr/lib/postgresql/*/bin), on a temporary folder, listening on 127.0.0.1 on a free port.

initdb refuses to run as root, so as root the cluster runs as ``nobody`` (``setpriv``), on a folder it owns.
``start_cluster`` returns the reason as text where PostgreSQL is missing or cannot start: the tests skip
with it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

UNPRIVILEGED = "nobody"


def find_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgCluster:
    bin: Path
    root: Path
    port: int
    as_user: list[str]

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, prefix: str = "t") -> str:
        """A new empty database; its URL."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # a name we made
        return self.url(name)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.as_user, *args], capture_output=True, text=True, check=check, timeout=120)

    def restart(self) -> None:
        """Stop (fast: connections are cut) and start again with the same options."""
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "restart",
                 "-l", str(self.root / "log"))

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster(settings: tuple[str, ...] = ("fsync=off", "synchronous_commit=off", "full_page_writes=off"),
                  ) -> PgCluster | str:
    """A running cluster, or why there is none. ``settings``: ``-c`` options (defaults: fast, not durable)."""
    bin_dir = find_bin()
    if bin_dir is None:
        return "PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb; scripts/setup installs it)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (run scripts/setup)"
    root = Path(tempfile.mkdtemp(prefix="checkpoint-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            shutil.rmtree(root, ignore_errors=True)
            return "running as root and setpriv is missing: cannot start PostgreSQL as an unprivileged user"
        import pwd

        pw = pwd.getpwnam(UNPRIVILEGED)
        os.chown(root, pw.pw_uid, pw.pw_gid)
        as_user = [setpriv, f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--clear-groups", "--"]
    cluster = PgCluster(bin_dir, root, free_port(), as_user)
    try:
        cluster.run(str(bin_dir / "initdb"), "-D", str(cluster.data), "-U", "postgres", "--auth=trust",
                    "-E", "UTF8", "--locale=C", "--no-sync")
        opts = " ".join([f"-p {cluster.port}", "-h 127.0.0.1", f"-k {root}", *(f"-c {s}" for s in settings)])
        cluster.run(str(bin_dir / "pg_ctl"), "-D", str(cluster.data), "-o", opts, "-l", str(root / "log"),
                    "-w", "-t", "60", "start")
    except (subprocess.SubprocessError, OSError) as e:
        log = (root / "log").read_text(errors="replace")[-500:] if (root / "log").exists() else ""
        detail = getattr(e, "stderr", "") or str(e)
        cluster.stop()
        return f"PostgreSQL could not start: {str(detail).strip()[-300:]} {log.strip()}"
    return cluster
