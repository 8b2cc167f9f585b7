"""Drill: the nightly backup, and a point-in-time restore to before a mistaken bulk hide.

``.venv/bin/python drills/backup_restore.py [--minutes-before 5]``

On a PostgreSQL cluster of its own with WAL archiving on (as the README's "Backups" sets up
production): a base backup (pg_basebackup), a database with the demo plan, gunicorn. Then:

1. residents post comments; the nightly backup runs (scripts/backup.sh: pg_dump and media);
2. residents go on posting for --minutes-before minutes and a bit; then an official's slip
   hides every opinion at once (one UPDATE, the mistake); a few comments come in after it;
3. a fresh cluster is made from the base backup and replays the WAL archive up to
   --minutes-before minutes before the hide, as an operator who knows roughly when the
   mistake happened would ask; its restore time is timed from the copy of the base backup to
   the promoted database answering;
4. the nightly dump is restored into a fresh database as well.

It prints RPO and RTO and checks: after the point-in-time restore, every comment received
before the recovery point is there and none is hidden, nothing after the point is; the dump
holds what was there at the dump. Exit status 1 if a check fails; everything is removed.
"""

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from _clients import post_comment
from _cluster import BIN, as_postgres, private_cluster
from _stack import (
    REPO,
    demo_database,
    free_port,
    gunicorn,
    open_consultation,
    production_environment,
    report_checks,
)

ARCHIVE_SETTINGS = {
    "wal_level": "replica",
    "archive_mode": "on",
    # A segment is archived at least every minute even when little is written: the most a
    # crash of the whole machine can lose (RPO) when the archive is on another disk.
    "archive_timeout": "60",
}


def connect(url: str):
    return psycopg.connect(url.replace("postgis://", "postgresql://"), autocommit=True)


def comments(url: str) -> list[tuple[str, datetime, str]]:
    with connect(url) as connection:
        return connection.execute(
            "SELECT receipt_code, created_at, state FROM consultation_comment"
        ).fetchall()


def post_for(base: str, consultation: int, seconds: float, label: str) -> int:
    """Comments at about 2 a second for ``seconds``; returns how many were acknowledged."""
    acknowledged, sent = 0, 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline or sent == 0:
        sent += 1
        address = f"10.77.{sent // 250}.{sent % 250 + 1}"
        status, _ = post_comment(base, consultation, address, f"演练：{label}第 {sent} 条意见")
        acknowledged += status == 201
        time.sleep(0.5)
    return acknowledged


def restore_to(wal: Path, base: Path, target: datetime, folder: Path) -> tuple[int, float]:
    """A fresh cluster from the base backup, replaying the archive up to ``target``; its port
    and the seconds from the first copied byte to the promoted database answering."""
    started = time.monotonic()
    data = folder / "restored"
    shutil.copytree(base, data)
    shutil.chown(data, "postgres", "postgres")
    for path in data.rglob("*"):
        shutil.chown(path, "postgres", "postgres")
    data.chmod(0o700)
    port = free_port()
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"port = {port}\nunix_socket_directories = '{folder}'\narchive_mode = off\n"
            f"restore_command = 'cp {wal}/%f %p'\n"
            f"recovery_target_time = '{target.isoformat()}'\n"
            "recovery_target_action = 'promote'\n"
        )
    (data / "recovery.signal").touch()
    shutil.chown(data / "recovery.signal", "postgres", "postgres")
    as_postgres(str(BIN / "pg_ctl"), "-D", str(data), "-l", str(folder / "restore.log"), "-w",
                "-t", "300", "start")  # fmt: skip
    url = f"postgresql://planportal@127.0.0.1:{port}/drill_backup"
    while True:
        with psycopg.connect(url, autocommit=True) as connection:
            if not connection.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                break
        time.sleep(0.2)
    return port, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes-before", type=float, default=5)
    options = parser.parse_args()
    before = timedelta(minutes=options.minutes_before)
    folder = Path(tempfile.mkdtemp(prefix="drill-backup-"))
    shutil.chown(folder, "postgres", "postgres")
    env = production_environment(folder)
    checks: list[tuple[str, bool]] = []
    wal = folder / "wal"
    wal.mkdir()
    shutil.chown(wal, "postgres", "postgres")
    archive = {**ARCHIVE_SETTINGS, "archive_command": f"'test ! -f {wal}/%f && cp %p {wal}/%f'"}
    with private_cluster(archive) as cluster:  # noqa: SIM117 (the database needs its port)
        with demo_database("drill_backup", cluster.port) as database:
            base = folder / "base"
            as_postgres(
                str(BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(cluster.port),
                "-U", "postgres", "-D", str(base), "-X", "stream", "-c", "fast",
            )  # fmt: skip
            env["DATABASE_URL"] = database
            env["MEDIA_ROOT"] = str(folder / "media")
            (folder / "media").mkdir()
            consultation = open_consultation(database)
            with gunicorn(env) as port:
                site = f"http://127.0.0.1:{port}"
                first = post_for(site, consultation, 20, "备份前")
                dumped_at = datetime.now(UTC)
                backup = subprocess.run(
                    ["bash", str(REPO / "scripts/backup.sh")],
                    env={**os.environ, **env, "BACKUP_DIR": str(folder / "backup")},
                    capture_output=True, text=True, check=False,
                )  # fmt: skip
                if backup.returncode:
                    raise SystemExit(f"scripts/backup.sh failed: {backup.stderr}")
                second = post_for(site, consultation, before.total_seconds() + 30, "备份后")
                with connect(database) as connection:
                    hidden_at = connection.execute(
                        "UPDATE consultation_comment SET state = 'hidden' RETURNING now()"
                    ).fetchone()[0]
                after = post_for(site, consultation, 10, "误操作后")
            cluster.sql("SELECT pg_switch_wal()")  # as the superuser, as an operator would
            time.sleep(2)  # the archiver copies the last segment
            original = comments(database)
            target = hidden_at - before
            restored_port, rto = restore_to(wal, base, target, folder)
            restored = comments(f"postgis://planportal@127.0.0.1:{restored_port}/drill_backup")
            as_postgres(str(BIN / "pg_ctl"), "-D", str(folder / "restored"), "-m", "immediate",
                        "-w", "stop")  # fmt: skip
            dump = sorted((folder / "backup/dumps").glob("*.dump"))[-1]
            cluster.sql(
                "CREATE DATABASE drill_from_dump OWNER planportal TEMPLATE template_postgis"
            )
            # PostGIS is in the template already: its "already exists" is the one error.
            restore = subprocess.run(
                ["pg_restore", "--no-owner", "-h", "127.0.0.1", "-p", str(cluster.port),
                 "-U", "planportal", "-d", "drill_from_dump", str(dump)],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if "consultation_comment" not in restore.stderr and restore.returncode > 1:
                raise SystemExit(f"pg_restore failed: {restore.stderr[-2000:]}")
            from_dump = comments(cluster.url("drill_from_dump"))
            cluster.sql("DROP DATABASE drill_from_dump")

    wanted = {code for code, created, _ in original if created <= target}
    lost = {code for code, created, _ in original if target < created}
    got = {code for code, _, _ in restored}
    at_dump = {code for code, created, _ in original if created <= dumped_at}
    print(f"\ncomments: {first} before the nightly backup, {second} after it, hide at "
          f"{hidden_at:%H:%M:%S}, {after} after the hide")  # fmt: skip
    print(f"nightly backup: {backup.stdout.strip()}; restored from it: {len(from_dump)} comments")
    print(f"point-in-time restore to {target:%H:%M:%S} ({options.minutes_before:g} min before "
          f"the hide): RTO {rto:.1f} s (base backup copied, WAL replayed, promoted)")  # fmt: skip
    print(f"  recovered {len(got)} comments, hidden among them "
          f"{sum(state == 'hidden' for _, _, state in restored)}; RPO: the chosen point, "
          f"{len(lost)} comments after it to take again from the audit trail or the residents; "
          "for a lost machine at most archive_timeout (60 s) of writes")  # fmt: skip
    checks += [
        ("every comment before the point is back", got == wanted and bool(wanted)),
        ("none of them hidden", all(state != "hidden" for _, _, state in restored)),
        ("nothing after the point", not (got & lost)),
        ("the nightly dump holds what was there then", {c for c, _, _ in from_dump} == at_dump),
    ]
    shutil.rmtree(folder, ignore_errors=True)
    return report_checks(checks)


if __name__ == "__main__":
    raise SystemExit(main())
