"""Abuse controls that need no outside service.

- The client's address: REMOTE_ADDR, or with TRUSTED_PROXY_HOPS > 0 the X-Forwarded-For entry
  that the outermost trusted proxy appended. Entries a client writes itself sit further left
  and are never read, so a forged header cannot change who the client is. Only a keyed hash
  (HMAC) of the address is stored, never the address.
- A signed form token, issued when a form is shown, proves the form came from us and how long
  the person took to fill it in (COMMENT_MIN_FILL_SECONDS). A digest of it is stored with the
  comment under a unique constraint, so one form carries one comment: a script pays the fill
  time per comment, not once.
- Rate limits per client and per phone number, counted from the comments themselves in one
  statement, under an advisory lock per client so parallel requests cannot overshoot.
- A proof-of-work challenge for every comment beyond COMMENT_POW_AFTER in the hour: a signed,
  expiring challenge; its nonce is stored with the comment it paid for under a unique
  constraint, so it works once.

Carrier NAT: a village's WeChat group answering a push may reach the portal from one mobile
carrier address. So the per-address cap is sized for a crowd (COMMENT_RATE_PER_IP, 400 an
hour), and what stops a script behind one address is the cost per comment beyond the first
COMMENT_POW_AFTER (a challenge each, a fresh form each, the fill time each) and a ceiling per
minute (COMMENT_BURST_PER_IP, 30): two hundred residents over ten minutes or more get in, a
script sending 100 a minute is refused with 429 after 30.
"""

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import connection
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from planportal.clients import Client
from planportal.db import NewRow, execute_prepared, select_last_result

FORM_TOKEN_SALT = "consultation.form-token"  # noqa: S105 (a salt, not a secret)
CHALLENGE_SALT = "consultation.challenge"
# Advisory lock classes (first argument of pg_advisory_xact_lock) of this module.
CLIENT_LOCK_CLASS = 7101
PHONE_LOCK_CLASS = 7102
MAX_SOLUTION_LENGTH = 20


def rate_per_ip() -> tuple[int, int]:
    """(comments, window seconds) one client address may send."""
    return tuple(settings.COMMENT_RATE_PER_IP)


def rate_per_phone() -> tuple[int, int]:
    return tuple(settings.COMMENT_RATE_PER_PHONE)


def burst_per_ip() -> tuple[int, int]:
    """(comments, window seconds) one client address may send in a short window."""
    return tuple(settings.COMMENT_BURST_PER_IP)


def challenge_after() -> int:
    """A client that sent this many comments within the per-IP window must solve a challenge
    for the next one (by default half its limit, see settings)."""
    return int(settings.COMMENT_POW_AFTER)


class Rejected(Exception):
    """A submission refused for abuse reasons: ``status`` and a JSON-able ``payload``."""

    def __init__(self, status: int, payload: dict, headers: dict | None = None):
        super().__init__(payload)
        self.status = status
        self.payload = payload
        self.headers = headers or {}


# -- form tokens ----------------------------------------------------------------------------


def issue_form_token(consultation_id: int) -> str:
    # The nonce keeps two forms shown in the same millisecond (a crowd behind one address)
    # apart: a token carries one comment.
    payload = {"c": consultation_id, "t": round(time.time(), 3), "n": secrets.token_hex(8)}
    return signing.dumps(payload, salt=FORM_TOKEN_SALT)


class TooQuick(Rejected):
    """A genuine form sent faster than a person writes; its field errors are worth giving in
    the same answer, so the submission checks the fields before raising it."""


def check_form_token(token: str, consultation_id: int, now: float | None = None) -> None:
    """Raises Rejected (400, per field ``form_token``, with a ``code`` that tells a client
    whether to fetch a new token) unless the token is ours, for this consultation, not too
    old and old enough (TooQuick)."""
    max_age = int(settings.COMMENT_FORM_MAX_AGE_SECONDS)
    unverified = Rejected(
        400,
        {
            # The form page (and comment-form.js) renews the token and keeps the text, so the
            # resident only sends again; reloading the page would lose what they wrote.
            "form_token": [
                _(
                    "The form could not be checked and has been renewed. What you wrote is "
                    "kept: please press “Send my opinion” again."
                )
            ],
            "code": "form_invalid",
        },
    )
    try:
        data = signing.loads(token or "", salt=FORM_TOKEN_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise Rejected(
            400,
            {
                "form_token": [
                    _(
                        "The form had expired and has been renewed. What you wrote is kept: "
                        "please press “Send my opinion” again."
                    )
                ],
                "code": "form_expired",
            },
        ) from None
    except signing.BadSignature:
        raise unverified from None
    if not isinstance(data, dict) or data.get("c") != consultation_id:
        raise unverified
    waited = (now or time.time()) - float(data.get("t", 0))
    if waited < float(settings.COMMENT_MIN_FILL_SECONDS):
        raise TooQuick(
            400,
            {
                "form_token": [
                    _("That was very quick. Please read your opinion once more and send it again.")
                ],
                "code": "too_quick",
            },
        )


def form_token_digest(token: str) -> str:
    """What the comment stores of its form token (unique per comment)."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def form_used() -> Rejected:
    """The form token already carried a comment; a client fetches a new one (code)."""
    return Rejected(
        400,
        {
            "form_token": [
                _(
                    "This form was already used for an opinion and has been renewed. What you "
                    "wrote is kept: please press “Send my opinion” again."
                )
            ],
            "code": "form_used",
        },
    )


def check_honeypot(value: str) -> None:
    """The form has a field people cannot see (``website``); only robots fill it in."""
    if value:
        raise Rejected(400, {"website": [_("Leave this field empty.")]})


# -- proof of work --------------------------------------------------------------------------


def issue_challenge(client: Client) -> dict:
    """A challenge bound to the client: find a ``solution`` (decimal digits) such that
    SHA-256(token + ":" + solution) starts with ``difficulty`` zero bits."""
    difficulty = int(settings.POW_DIFFICULTY)
    nonce = secrets.token_hex(16)
    token = signing.dumps({"n": nonce, "d": difficulty, "k": client.key[:16]}, salt=CHALLENGE_SALT)
    return {"token": token, "difficulty": difficulty, "algorithm": "sha256-leading-zero-bits"}


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def verify_challenge(token: str, solution: str, client: Client) -> str:
    """The nonce of a correctly solved challenge of this client; raises Rejected otherwise.
    Whether the nonce was used before is settled by the unique constraint on the comment."""
    max_age = int(settings.POW_MAX_AGE_SECONDS)
    invalid = Rejected(400, {"challenge": [_("The check failed. Please send the form again.")]})
    try:
        data = signing.loads(token, salt=CHALLENGE_SALT, max_age=max_age)
    except signing.BadSignature:  # also SignatureExpired
        raise invalid from None
    if not (solution.isdigit() and len(solution) <= MAX_SOLUTION_LENGTH):
        raise invalid
    if not constant_time_compare(str(data.get("k", "")), client.key[:16]):
        raise invalid
    digest = hashlib.sha256(f"{token}:{solution}".encode()).digest()
    if leading_zero_bits(digest) < int(data.get("d", 0)):
        raise invalid
    return str(data["n"])


def challenge_required(client: Client) -> Rejected:
    return Rejected(
        428,
        {
            "detail": _("Please wait a moment while your device completes a short check."),
            "code": "challenge_required",
            "challenge": issue_challenge(client),
        },
    )


# -- rate limits ----------------------------------------------------------------------------

_LOCK_SQL = "SELECT pg_advisory_xact_lock(%s, hashtext(%s))"
# The client's comments in its two windows (read once, from the start of the longer one), the
# phone's, when the comment has one, and whether the form token was used: the function
# consultation_usage (migration 0012), whose statements PostgreSQL plans once per connection.
# Written inline, they took it longer to parse and plan for every comment than to run
# (bench/README.md, comments.py).
_COUNT_SQL = """
    SELECT * FROM consultation_usage(
        %(client)s, %(client_since)s, %(burst_since)s, %(phone)s, %(phone_since)s, %(form)s)
"""
# The comment is stored in the same statement as the count, only when the count allows it:
# the same conditions as enforce_limits() (which then names the refusal). The statement runs
# after the advisory locks, as a statement of its own, so its snapshot sees every comment
# committed by whoever held them before.
_ALLOWED_SQL = """
    NOT usage.form_used
    AND usage.by_client < %(ip_limit)s
    AND usage.by_client_burst < %(burst_limit)s
    AND (%(phone)s IS NULL OR usage.by_phone < %(phone_limit)s)
    AND (usage.by_client < %(challenge_after)s OR %(solved)s)
"""
# A comment whose Idempotency-Key the consultation already has is not stored: the unique
# index decides (comment_idempotency_key_unique), so the look-up cannot take another path.
# A look-up of the key inside the count did: planned from the statistics of a table that was
# empty when last analysed (a new site's first consultation, until autovacuum analyses it),
# it read every comment of the consultation through an index on consultation_id, 0.5 ms of
# PostgreSQL per comment at 2,000 comments (bench/README.md, comments).
_SAME_KEY_SQL = (
    "ON CONFLICT (consultation_id, idempotency_key) WHERE idempotency_key <> '' DO NOTHING"
)


@dataclass(frozen=True)
class Usage:
    by_client: int
    client_oldest: datetime | None
    by_client_burst: int
    burst_oldest: datetime | None
    by_phone: int
    phone_oldest: datetime | None
    form_used: bool = False  # a comment was already sent with this form token


# The usage as the counting INSERT answers it, in Usage's order: the oldest comment of each
# window only when nothing was stored, as only a refusal's Retry-After reads them (reading
# three timestamps per stored comment was 3% of its Python).
_USAGE_ANSWERED = ", ".join(
    f"CASE WHEN inserted IS NULL THEN usage.{name} END"
    if name.endswith("_oldest")
    else f"usage.{name}"
    for name in Usage.__dataclass_fields__
)


def count_usage(client: Client, phone: str, *, lock: bool, form_digest: str = "") -> Usage:
    """The client's and the phone's comments in their windows, and whether the form token of
    digest ``form_digest`` was used. With ``lock`` (inside the
    submitting transaction) it first takes advisory locks on client and phone, held until
    commit, so two parallel requests of one client are counted one after the other. Locks
    are always taken client first, phone second, so two transactions cannot wait for each
    other in a cycle."""
    statements = _locks(phone) if lock else []
    statements.append(_COUNT_SQL)
    params = _count_params(client, phone, form_digest)
    with connection.cursor() as cursor:
        # One round trip: the statements go together; the count is the last result.
        cursor.execute(";\n".join(statements), params)
        select_last_result(cursor)
        row = cursor.fetchone()
    return Usage(*row)


def count_and_insert(
    client: Client,
    row: NewRow,
    *,
    phone: str,
    form_digest: str,
    solved: bool,
    computed: tuple[str, dict] | None = None,
) -> tuple[Usage, tuple | None]:
    """Counts as ``count_usage`` does under its advisory locks and, when the count allows the
    comment (enforce_limits would not refuse it, ``solved``: its challenge was solved) and the
    consultation has no comment with the row's Idempotency-Key yet, stores ``row`` (a
    consultation_comment) in the same statement. Returns the usage and what the INSERT
    returned (None when nothing was stored: enforce_limits names the refusal, or an earlier
    comment has the key).

    One round trip in all: the lock statements and the counting INSERT go as one message,
    which PostgreSQL runs as one transaction (implicit, or the caller's), each statement with
    a snapshot of its own, and the locks are held until it commits. Outside a transaction
    there is nothing else to send: no BEGIN, no COMMIT. The counting INSERT is prepared once
    per database session (planportal.db.execute_prepared) and run by EXECUTE.

    ``computed`` is a query of one row, with its parameters, run in the same statement under
    the name ``computed``; the row's values may name its columns (``new_row``'s
    ``computed``), as the comment's villages and control lines name the touches statement's:
    one round trip less. Its parameter names must not be the count's or the row's."""
    params = _count_params(client, phone, form_digest)
    params.update(row.params)
    params.update(
        ip_limit=rate_per_ip()[0],
        burst_limit=burst_per_ip()[0],
        phone_limit=rate_per_phone()[0],
        challenge_after=challenge_after(),
        solved=solved,
    )
    # Table and column names come from the model's metadata (planportal.db.new_row).
    sources = "usage"
    with_computed = ""
    if computed is not None:
        query, computed_params = computed
        if computed_params.keys() & params.keys():
            raise ValueError("the computed query's parameters share names with the row's")
        params.update(computed_params)
        sources = "usage CROSS JOIN computed"
        with_computed = f"computed AS ({query}),\n"
    counting_insert = (
        f"WITH usage AS ({_COUNT_SQL}),\n{with_computed}"  # noqa: S608
        f"inserted AS (INSERT INTO {row.target} SELECT {row.values} FROM {sources}"
        f" WHERE {_ALLOWED_SQL} {_SAME_KEY_SQL} RETURNING {row.returning})\n"
        f"SELECT {_USAGE_ANSWERED}, inserted.* FROM usage LEFT JOIN inserted ON true"
    )
    with connection.cursor() as cursor:
        execute_prepared(cursor, counting_insert, params, leading=_locks(phone))
        select_last_result(cursor)
        result = cursor.fetchone()
    counted = len(Usage.__dataclass_fields__)
    returned = result[counted:]
    return Usage(*result[:counted]), (None if returned[0] is None else returned)


def _locks(phone: str) -> list[str]:
    statements = [_LOCK_SQL % (CLIENT_LOCK_CLASS, "%(client)s")]
    if phone:
        statements.append(_LOCK_SQL % (PHONE_LOCK_CLASS, "%(phone)s"))
    return statements


def _count_params(client: Client, phone: str, form_digest: str) -> dict:
    now = timezone.now()
    return {
        "client": client.key,
        "client_since": now - timedelta(seconds=rate_per_ip()[1]),
        "burst_since": now - timedelta(seconds=burst_per_ip()[1]),
        "phone": phone or None,
        "phone_since": now - timedelta(seconds=rate_per_phone()[1]) if phone else None,
        "form": form_digest or None,
    }


def _retry_after(oldest: datetime | None, window: int) -> int:
    if oldest is None:
        return window
    return max(1, int((oldest + timedelta(seconds=window) - timezone.now()).total_seconds()) + 1)


def _too_many(field: str, message, oldest: datetime | None, window: int) -> Rejected:
    """429 with Retry-After: when the oldest counted comment leaves the window."""
    seconds = _retry_after(oldest, window)
    text = str(message)
    payload = {field: [text] if field != "detail" else text, "retry_after": seconds}
    return Rejected(429, payload, {"Retry-After": str(seconds)})


def enforce_limits(usage: Usage, client: Client, phone: str, solved_nonce: str | None) -> None:
    """Raises Rejected: 400 when the form token was used, 429 over a limit, 428 with a
    challenge when one is due."""
    if usage.form_used:
        raise form_used()
    ip_count, ip_window = rate_per_ip()
    if usage.by_client >= ip_count:
        message = _("Too many opinions were sent from your network. Please try again later.")
        raise _too_many("detail", message, usage.client_oldest, ip_window)
    burst_count, burst_window = burst_per_ip()
    if usage.by_client_burst >= burst_count:
        message = _(
            "Too many opinions were sent from your network just now. Please try again in a minute."
        )
        raise _too_many("detail", message, usage.burst_oldest, burst_window)
    phone_count, phone_window = rate_per_phone()
    if phone and usage.by_phone >= phone_count:
        message = _("Too many opinions were sent with this phone number today.")
        raise _too_many("phone", message, usage.phone_oldest, phone_window)
    if usage.by_client >= challenge_after() and solved_nonce is None:
        raise challenge_required(client)


def challenge_due(usage: Usage) -> bool:
    return usage.by_client >= challenge_after()
