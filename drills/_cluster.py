"""A PostgreSQL cluster of the drill's own (initdb in a temporary folder, its own port), so a
drill can restart, fill or restore a database server without touching the one the portal and
its tests use."""

import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from _stack import free_port

BIN = Path("/usr/lib/postgresql/15/bin")


@dataclass
class Cluster:
    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str, role: str = "planportal") -> str:
        return f"postgis://{role}@127.0.0.1:{self.port}/{database}"

    def ctl(self, *arguments: str) -> None:
        as_postgres(
            str(BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "log"),
            "-w",
            *arguments,
        )

    def sql(self, statement: str, database: str = "postgres") -> str:
        done = as_postgres(
            str(BIN.parent / "bin" / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-Atqc",
            statement,
            capture=True,
        )
        return done.stdout.strip()

    def restart(self) -> None:
        """Fast shutdown (every session ended, as on a crash or a failover), then start."""
        self.ctl("restart", "-m", "fast")


def as_postgres(*command: str, capture: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *command],
        check=True,
        cwd="/",
        capture_output=capture,
        text=True,
    )


@contextmanager
def private_cluster(settings: dict[str, str] | None = None):
    """A fresh cluster with the portal's roles and a template with PostGIS (as
    scripts/ensure-database.sh makes them), stopped and removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="drill-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    cluster = Cluster(folder, free_port())
    as_postgres(
        str(BIN / "initdb"),
        "-D",
        str(cluster.data),
        "-A",
        "trust",
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
    )
    lines = {
        "port": str(cluster.port),
        "listen_addresses": "'127.0.0.1'",
        "unix_socket_directories": f"'{folder}'",
        "max_connections": "200",
        **(settings or {}),
    }
    with (cluster.data / "postgresql.conf").open("a") as conf:
        conf.writelines(f"{key} = {value}\n" for key, value in lines.items())
    cluster.ctl("start")
    try:
        cluster.sql("CREATE ROLE planportal LOGIN CREATEDB")
        cluster.sql("CREATE DATABASE template_postgis")
        cluster.sql("CREATE EXTENSION postgis", "template_postgis")
        cluster.sql("ALTER DATABASE template_postgis WITH IS_TEMPLATE true")
        yield cluster
    finally:
        if (cluster.data / "postmaster.pid").exists():
            cluster.ctl("stop", "-m", "immediate")
        shutil.rmtree(folder, ignore_errors=True)


def environment(url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url}
