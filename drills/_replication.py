"""The database side of the multi-node drill: a streaming replica of a drill's cluster (a second
cluster from pg_basebackup, hot standby), pgbouncer in front of both with the shipped
settings (deploy/pgbouncer.ini), and a sampler of the replica's lag."""

import configparser
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
from _cluster import BIN, Cluster, as_postgres
from _stack import REPO, free_port

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


@contextmanager
def streaming_replica(primary: Cluster):
    """A hot standby of ``primary`` on a port of its own, streaming its WAL; stopped and
    removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="drill-pg-replica-"))
    shutil.chown(folder, "postgres", "postgres")
    replica = Cluster(folder, free_port())
    as_postgres(
        str(BIN / "pg_basebackup"),
        "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
        "-D", str(replica.data), "--write-recovery-conf", "--wal-method=stream",
        "--checkpoint=fast",
    )  # fmt: skip
    lines = {
        "port": str(replica.port),
        "unix_socket_directories": f"'{folder}'",
        "hot_standby": "on",
        # The primary keeps the rows a long public query on the replica still reads, so
        # replay never cancels it (the cost: some bloat on the primary while it runs).
        "hot_standby_feedback": "on",
    }
    with (replica.data / "postgresql.conf").open("a") as conf:
        conf.writelines(f"{key} = {value}\n" for key, value in lines.items())
    replica.ctl("start")
    try:
        yield replica
    finally:
        if (replica.data / "postmaster.pid").exists():
            replica.ctl("stop", "-m", "immediate")
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def pgbouncer(databases: dict[str, str], role: str = "planportal"):
    """pgbouncer with the settings of deploy/pgbouncer.ini, serving ``databases`` (name ->
    connection string) on a port of its own without passwords; yields the port."""
    folder = Path(tempfile.mkdtemp(prefix="drill-pgbouncer-"))
    port = free_port()
    config = configparser.ConfigParser()
    config.read(REPO / "deploy/pgbouncer.ini")
    config["databases"] = databases
    config["pgbouncer"].update(
        {
            "listen_port": str(port),
            "auth_type": "trust",
            "auth_file": str(folder / "userlist.txt"),
            "logfile": str(folder / "pgbouncer.log"),
            "pidfile": str(folder / "pgbouncer.pid"),
            "unix_socket_dir": "",
        }
    )
    (folder / "userlist.txt").write_text(f'"{role}" ""\n')
    with (folder / "pgbouncer.ini").open("w") as out:
        config.write(out)
    for path in (folder, *folder.iterdir()):
        shutil.chown(path, "postgres", "postgres")
    # pgbouncer refuses to run as root.
    server = subprocess.Popen(
        ["runuser", "-u", "postgres", "--", PGBOUNCER, str(folder / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def wait_for_port(port: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def wait_for_replay(primary: Cluster, replica: Cluster, seconds: float = 60) -> None:
    """Until the replica has replayed everything the primary has written so far."""
    target = primary.sql("SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        caught_up = replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")
        if caught_up == "t":
            return
        time.sleep(0.2)
    raise RuntimeError("the replica did not catch up")


REPLICATION_LAG = """
SELECT coalesce(extract(epoch FROM replay_lag), 0),
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)
FROM pg_stat_replication
"""


class LagSampler:
    """The replica's lag as the primary sees it (pg_stat_replication: replay_lag, and the WAL
    bytes sent but not yet replayed), once a second while a replica is connected."""

    def __init__(self, primary: Cluster):
        self.url = f"postgresql://postgres@127.0.0.1:{primary.port}/postgres"
        self.samples: list[tuple[float, float, int]] = []  # (time, seconds, bytes)
        self.running = True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as connection:
            while self.running:
                for seconds, lag_bytes in connection.execute(REPLICATION_LAG).fetchall():
                    self.samples.append((time.time(), float(seconds), int(lag_bytes or 0)))
                time.sleep(1)

    def stop(self) -> None:
        self.running = False
        self.thread.join(timeout=5)


def transactions(cluster: Cluster, database: str) -> int:
    """Transactions ``cluster`` has served in ``database`` so far (on a standby, read-only
    ones)."""
    return int(
        cluster.sql(f"SELECT xact_commit FROM pg_stat_database WHERE datname = '{database}'")
    )
