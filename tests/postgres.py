"""A PostgreSQL server for the tests, started from the machine's own binaries (Debian's
`postgresql` package, which `make test` installs): one per test session, in a scratch
folder, with a fresh database for each test that asks for one.

PostgreSQL refuses to run as root; run as root (as the tests are here), the server runs
as the `postgres` system user the package creates, in a folder that user owns.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.servers import free_port

MISSING = (
    "PostgreSQL's server binaries (pg_ctl, initdb) are not on this machine: install Debian's "
    "postgresql package (`make test` does: apt-get install postgresql)"
)
# Settings that make a throwaway server quick: nothing here must survive a power cut (a
# commit must still survive the server's own crash, which the tests cause).
FAST = "-c fsync=off -c full_page_writes=off"


def server_binaries() -> Path:
    """The folder of the newest installed server's pg_ctl and initdb (Debian keeps them in
    /usr/lib/postgresql/<version>/bin); the test fails, saying what to install, if none."""

    def version(path: str) -> int:
        found = re.search(r"/postgresql/(\d+)/", path)
        return int(found.group(1)) if found else 0

    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=version)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.insert(0, str(Path(on_path).resolve()))
    for pg_ctl in reversed(candidates):
        folder = Path(pg_ctl).parent
        if (folder / "initdb").is_file() and (folder / "postgres").is_file():
            return folder
    pytest.fail(MISSING)


class PostgresServer:
    """One scratch server on a free loopback port, with a password (so the tests see URLs
    that carry one, as a deployment's do)."""

    def __init__(self) -> None:
        self.bin = server_binaries()
        self.root = Path(tempfile.mkdtemp(prefix="xuhui-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.password = "pw-" + secrets.token_urlsafe(12)
        self._as_owner: list[str] = []
        if os.geteuid() == 0:  # postgres will not run as root
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail(f"run as root, the server needs the postgres user: {MISSING}")
            self._as_owner = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.root, "postgres", "postgres")
        password_file = self.root / "password"
        password_file.write_text(self.password)
        if self._as_owner:
            shutil.chown(password_file, "postgres", "postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            f"--pwfile={password_file}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        self._databases = 0
        self.start()

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(
            [*self._as_owner, str(self.bin / program), *args], capture_output=True, text=True
        )
        if done.returncode != 0:
            pytest.fail(f"{program} failed: {done.stderr or done.stdout}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 {FAST}"
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        """Stop at once, cutting every connection (as a server that goes down does)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def running(self) -> bool:
        command = [*self._as_owner, str(self.bin / "pg_ctl"), "-D", str(self.data), "status"]
        return subprocess.run(command, capture_output=True).returncode == 0

    def url(self, database: str = "postgres", *, password: str | None = None) -> str:
        secret = quote(self.password if password is None else password, safe="")
        return f"postgresql://postgres:{secret}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database's URL."""
        self._databases += 1
        name = f"test_{self._databases}"
        self._admin(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database `new_database` made, cutting whatever is still connected to it."""
        self._admin(f"DROP DATABASE IF EXISTS {url.rpartition('/')[2]} WITH (FORCE)")

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(statement)

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
