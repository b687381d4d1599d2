"""A throw-away PostgreSQL server for the test session, under ``build/pgtest``.

``make test`` installs Debian's ``postgresql`` package when it is missing; this
starts a cluster of our own (socket only, no TCP port, fsync off: it is thrown
away), creates one database per test, and stops and removes it all at the end.
Where no server can be found, the PostgreSQL half of the tests is skipped with a
message saying why.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Set to a PostgreSQL URL (a server of your own, e.g. ``postgresql://me@/``) to use it
#: instead of starting one; each test then creates and drops a database on it.
SERVER_ENV = "DUIZHANG_TEST_PG"

#: Set to 1 to skip the PostgreSQL half of the tests.
SKIP_ENV = "DUIZHANG_SKIP_PG"


def pg_bin(name: str) -> str | None:
    """A PostgreSQL server program: on PATH, or in Debian's versioned folder."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                      key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return versions[-1] if versions else None


class Server:
    """A cluster started for the tests; ``url(db)`` names a database on it."""

    def __init__(self, name: str = "pgtest") -> None:
        self.base = ROOT / "build" / name
        self.socket_dir = ""
        self.n = 0
        self._as: list[str] = []
        self._started = False
        self.external = os.environ.get(SERVER_ENV, "")

    def start(self) -> str | None:
        """Start the cluster. Returns why PostgreSQL is not there to test (the tests
        are skipped); raises RuntimeError where it is there and fails to start."""
        if os.environ.get(SKIP_ENV) == "1":
            return f"{SKIP_ENV}=1"
        if self.external:
            return None
        initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
        if not initdb or not pg_ctl:
            return "PostgreSQL's initdb and pg_ctl were not found (make test installs Debian's postgresql)"
        shutil.rmtree(self.base, ignore_errors=True)
        self.base.mkdir(parents=True)
        # The server's socket path must fit in 107 bytes; a deep checkout gets a short one.
        sock = self.base if len(str(self.base)) < 80 else Path(tempfile.mkdtemp(prefix="dzpg"))
        self.socket_dir = str(sock)
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root: the cluster belongs to its own user.
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                return "running as root and there is no 'postgres' user to run the server as"
            for p in {self.base, sock}:
                os.chown(p, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        data = self.base / "data"
        log = self.base / "server.log"
        run = subprocess.run(
            [*self._as, initdb, "-D", str(data), "-A", "trust", "-U", "duizhang", "-E", "UTF8",
             "--locale=C.UTF-8"], capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(f"initdb failed: {run.stderr.strip()[-300:]}")
        opts = f"-k {self.socket_dir} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        run = subprocess.run([*self._as, pg_ctl, "-D", str(data), "-o", opts, "-l", str(log), "-w", "-t", "60", "start"],
                             capture_output=True, text=True)
        if run.returncode != 0:
            tail = log.read_text(errors="replace")[-300:] if log.exists() else run.stderr
            raise RuntimeError(f"the test PostgreSQL server did not start: {tail.strip()}")
        self._started = True
        return None

    def url(self, db: str) -> str:
        if self.external:
            base = self.external.rstrip("/")
            return base.rsplit("/", 1)[0] + f"/{db}" if base.count("/") > 2 else f"{base}/{db}"
        return f"postgresql://duizhang@/{db}?host={self.socket_dir}"

    def new_database(self) -> str:
        """A fresh empty database; its URL."""
        import psycopg

        self.n += 1
        name = f"t{os.getpid()}_{self.n}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}"')
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        import psycopg

        name = url.split("/")[-1].split("?")[0]
        with psycopg.connect(self.url("postgres"), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if not self._started:
            return
        pg_ctl = pg_bin("pg_ctl")
        if pg_ctl:
            subprocess.run([*self._as, pg_ctl, "-D", str(self.base / "data"), "-m", "immediate", "stop"],
                           capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)
        if self.socket_dir != str(self.base):
            shutil.rmtree(self.socket_dir, ignore_errors=True)
