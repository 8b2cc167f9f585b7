"""The database's floor for storing a comment: what PostgreSQL alone does per acknowledged
comment, measured in the same run as the portal so that the two can be compared on a shared
machine. Each of ``clients`` threads has its own connection and sends one INSERT ... RETURNING
id and one COMMIT per comment into the real table (consultation_comment, with its 20 indexes,
unique constraints, checks and deferred foreign keys), rows shaped like the portal's (a third
with a drawn place, half with a phone number), for the bench's own consultation, so they are
removed with it. No HTTP, no Django, no checks: the bare cost of storing the row."""

import random
import secrets
import threading
import time
import uuid

import psycopg
from django.db import connection

INSERT = """
INSERT INTO consultation_comment (
    consultation_id, receipt_code, body, stance, drawn, villages, control_lines, photo, name,
    phone, email, consent_privacy, consent_show_name, declared_under_14, guardian_consent,
    guardian_name, channel, submitter_kind, organisation, client_key, idempotency_key,
    challenge_nonce, form_token_digest, state, state_reason, created_at)
VALUES (%s, %s, %s, 'suggest', ST_GeomFromText(%s, 4326), '{}', '{}', '', '', %s, '', true,
        false, false, false, '', 'web', 'person', '', %s, %s, '', %s, 'received', '', now())
RETURNING id
"""
# Marks the floor's rows apart from the portal's (whose client keys are hex HMACs).
FLOOR_CLIENT_KEY = "floor-"
BODY = "建议在村口增设公交站点，方便老人出行。"


def _connect() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )


def floor(consultation_id: int, comments: int, clients: int, points: list) -> tuple[float, list]:
    """(comments stored per second, latencies in ms) for ``comments`` rows over ``clients``
    connections."""
    latencies: list[float] = []
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1)

    def work(seed: int, count: int) -> None:
        rng = random.Random(seed)
        own = []
        with _connect() as db:
            ready.wait()
            for _ in range(count):
                place = None
                if points and rng.random() < 0.35:
                    lon, lat = rng.choice(points)
                    place = f"POINT({lon} {lat})"
                phone = f"13{rng.randint(100_000_000, 999_999_999)}" if rng.random() < 0.5 else ""
                started = time.perf_counter()
                db.execute(
                    INSERT,
                    (
                        consultation_id,
                        "F" + secrets.token_hex(6).upper(),
                        BODY,
                        place,
                        phone,
                        FLOOR_CLIENT_KEY + secrets.token_hex(8),
                        uuid.uuid4().hex,
                        secrets.token_hex(16),
                    ),
                ).fetchone()
                db.commit()
                own.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(own)

    share = [comments // clients + (1 if n < comments % clients else 0) for n in range(clients)]
    threads = [threading.Thread(target=work, args=(n, share[n])) for n in range(clients)]
    seconds = run_together(threads, ready)
    return (len(latencies) / seconds if seconds else 0.0), sorted(latencies)


def run_together(threads: list[threading.Thread], ready: threading.Barrier) -> float:
    """Starts the client threads, which meet at ``ready`` once set up, and returns the seconds
    from that moment until the last one ends."""
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started
