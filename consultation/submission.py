"""Taking in a resident's opinion: one function for the JSON API and the HTML form.

The path is kept lean, because a consultation's last evening brings the crowd. Per comment
it costs one round trip to PostgreSQL: the advisory locks and one statement that counts both
rate limits, looks up the form token, works out the villages and control lines a drawn place
or a map feature touches, and stores the comment only when the counts allow it and the
consultation has no comment with its Idempotency-Key (the unique index decides), which
PostgreSQL runs as one transaction (abuse.count_and_insert; no BEGIN or COMMIT of their
own). A map feature adds its look-up. Everything else (tokens, the
challenge, the photo, the fields) is checked in the process, and the consultation with its
plan, the version it shows and that version's section numbers is kept per process for a few
seconds (CONSULTATION_CACHE_SECONDS), so it is not read for every comment. Each comment
records the version it was made on (``Comment.version``).

The same POST with the same Idempotency-Key gives one comment and the same receipt: a repeat
is refused by the counting statement (its form token was used) or kept out by the key's unique
index, and the earlier comment with the key is then looked up (a second statement, for
repeats and refusals only), also when the repeat would now be refused for another reason
(form token expired, consultation closed, limit reached), before refusing it; two racing
requests are settled by the unique index on (consultation, idempotency_key): only one INSERT
goes through and the other answers with its receipt.

Cheap refusals come before expensive work: the honeypot, the form token and the challenge are
checked first, the fields next (a photo only by its header), and a photo is decoded only after
the rate limits were counted for it (one more statement, for comments with a photo only), so a
client that is refused anyway never makes the server decode an image.
"""

import re
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from consultation import abuse
from consultation.models import Channel, Comment, Consultation
from consultation.photos import CleanPhoto, PhotoError, PhotoUpload
from consultation.public_serializers import (
    CommentSubmissionSerializer,
    Target,
    normalise_body,
)
from consultation.touches import TouchLayers, touch_layers, touches_query
from planportal.db import new_row, row_inserted
from planportal.models import PlanVersion, Section

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")
# The comment's columns the touches statement fills in, as the counting INSERT runs it.
_TOUCHED_COLUMNS = {
    "villages": "computed.villages",
    "control_lines": "computed.control_lines",
}


@dataclass(frozen=True)
class Submitted:
    comment: Comment
    replayed: bool = False


# -- the consultation, kept for a few seconds -------------------------------------------------


@dataclass
class _Kept:
    until: float
    consultation: Consultation | None
    version: PlanVersion | None  # the version the round shows, its comments are made on
    sections: dict[str, int]
    touch_layers: TouchLayers | None = None  # read at the first comment with a place


_cache: dict[int, _Kept] = {}
_cache_lock = threading.Lock()


def consultation_for_submission(
    pk: int,
) -> tuple[Consultation | None, PlanVersion | None, dict[str, int]]:
    """The public consultation ``pk`` with its plan, the version it shows, and that version's
    section numbers -> ids; (None, None, {}) when there is no such public consultation. Read
    from the database at most every CONSULTATION_CACHE_SECONDS per process, and at once
    after a change saved here."""
    now = time.monotonic()
    kept = _cache.get(pk)
    if kept and kept.until > now:
        return kept.consultation, kept.version, kept.sections
    consultation = Consultation.objects.public().select_related("version").filter(pk=pk).first()
    version, sections = None, {}
    if consultation is not None:
        version = consultation.shown_version
        sections = dict(
            Section.objects.filter(chapter__version=version).values_list("number", "pk")
        )
    seconds = float(settings.CONSULTATION_CACHE_SECONDS)
    with _cache_lock:
        _cache[pk] = _Kept(now + seconds, consultation, version, sections)
    return consultation, version, sections


def kept_touch_layers(consultation: Consultation) -> TouchLayers:
    """The layers a comment's place is matched with, kept with the consultation."""
    kept = _cache.get(consultation.pk)
    if kept and kept.until > time.monotonic() and kept.touch_layers is not None:
        return kept.touch_layers
    layers = touch_layers(consultation.plan_id)
    if kept is not None:
        kept.touch_layers = layers
    return layers


def forget_consultations(**kwargs) -> None:
    """Connected in ConsultationConfig.ready() to saves of what the kept answers depend on."""
    with _cache_lock:
        _cache.clear()


# -- submitting -------------------------------------------------------------------------------


def check_idempotency_key(key: str) -> str:
    if key and not IDEMPOTENCY_KEY.match(key):
        raise abuse.Rejected(
            400,
            {
                "idempotency_key": [
                    _("The Idempotency-Key must be 8 to 100 letters, digits or - _ . :")
                ]
            },
        )
    return key


def submit(
    consultation: Consultation,
    data,
    *,
    client: abuse.Client,
    idempotency_key: str = "",
    version: PlanVersion | None = None,
    sections: dict[str, int] | None = None,
) -> Submitted:
    """Stores the opinion and returns it with its receipt code, or raises abuse.Rejected with
    the status and the per-field messages to answer with. ``data`` is a dict (JSON) or a
    QueryDict with the uploaded photo merged in (HTML form). ``version`` and ``sections``
    (the kept ones of consultation_for_submission) save their look-ups; without them the
    comment is made on ``consultation.shown_version`` all the same."""
    key = check_idempotency_key(idempotency_key)
    version = version or consultation.shown_version
    try:
        return _submit(consultation, data, client, key, version, sections)
    except abuse.Rejected:
        # A repeat of a stored comment is answered with its receipt even when it would be
        # refused now (its form token expired, the consultation closed, the limit reached).
        earlier = _earlier(consultation.pk, key) if key else None
        if earlier is None:
            raise
        return _replay(earlier, data)


def _submit(consultation, data, client, key, version, sections) -> Submitted:
    if not consultation.is_open:
        raise abuse.Rejected(403, {"detail": _("This consultation is not open for opinions.")})
    abuse.check_honeypot(_text(data, "website"))
    too_quick = None
    form_token = _text(data, "form_token")
    try:
        abuse.check_form_token(form_token, consultation.pk)
    except abuse.TooQuick as rejected:
        too_quick = rejected
    challenge_token = _text(data, "challenge")
    solved_nonce = None
    if challenge_token:
        solved_nonce = abuse.verify_challenge(
            challenge_token, _text(data, "challenge_solution"), client
        )

    context = {"consultation": consultation, "sections": sections}
    serializer = CommentSubmissionSerializer(data=data, context=context)
    if not serializer.is_valid():
        raise abuse.Rejected(400, {**serializer.errors, **(too_quick.payload if too_quick else {})})
    if too_quick:
        raise too_quick
    values = serializer.validated_data
    target: Target = values["target"]
    # Which villages and control lines the place touches is worked out by the statement that
    # stores the comment (_store): nothing to look up for a comment without a place.
    touched = (
        touches_query(
            kept_touch_layers(consultation), drawn=target.drawn, feature_id=target.feature_id
        )
        if target.kind in ("drawn", "feature")
        else None
    )
    comment = Comment(
        consultation=consultation,
        version=version,
        body=values["body"],
        stance=values["stance"],
        section_id=target.section_id,
        layer_id=target.layer_id,
        revision_id=target.revision_id,
        feature_id=target.feature_id,
        drawn=target.drawn,
        name=values.get("name", "").strip(),
        phone=values.get("phone", ""),
        email=values.get("email", ""),
        consent_privacy=True,
        consent_show_name=values.get("consent_show_name", False),
        declared_under_14=values.get("under_14", False),
        guardian_consent=values.get("guardian_consent", False),
        guardian_name=values.get("guardian_name", "").strip(),
        channel=Channel.WEB,
        client_key=client.key,
        idempotency_key=key,
        challenge_nonce=solved_nonce or "",
        form_token_digest=abuse.form_token_digest(form_token),
    )
    photo = _decoded_photo(values.get("photo"), client, comment, key, solved_nonce)
    try:
        if photo is not None:
            # Written before the statement that decides: removed again when it stores nothing.
            upload = photo.as_file()
            comment.photo.save(upload.name, upload, save=False)
        earlier = _store(comment, client, key, solved_nonce, touched)
        if earlier is not None:
            _forget_photo(comment)
            return _replay(earlier, data)
    except IntegrityError:
        _forget_photo(comment)
        earlier = _earlier(consultation.pk, key) if key else None
        if earlier is not None:
            return _replay(earlier, data)
        if solved_nonce and Comment.objects.filter(challenge_nonce=solved_nonce).exists():
            raise abuse.Rejected(
                400, {"challenge": [_("The check failed. Please send the form again.")]}
            ) from None
        if Comment.objects.filter(form_token_digest=comment.form_token_digest).exists():
            raise abuse.form_used() from None
        raise
    except abuse.Rejected:
        _forget_photo(comment)
        raise
    return Submitted(comment)


def _store(
    comment: Comment, client: abuse.Client, key: str, solved_nonce, touched: tuple | None
) -> Comment | None:
    """Counts the client's and the phone's comments under their advisory locks and stores the
    comment when the limits allow it and the consultation has no comment with its
    Idempotency-Key, in one round trip (abuse.count_and_insert). ``touched`` (touches_query),
    when given, works out the comment's villages and control lines in the same statement.
    Raises the refusal enforce_limits names (a repeat of a stored comment too: its form
    token was used, and submit() answers it with the earlier receipt); returns the earlier
    comment when the counts allowed this one and the key alone kept it out. Inside a caller's
    transaction the statements get a savepoint, so that a refused INSERT leaves that
    transaction usable."""
    row = new_row(comment, _TOUCHED_COLUMNS if touched is not None else None)
    nested = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with nested:
        usage, returned = abuse.count_and_insert(
            client,
            row,
            phone=comment.phone,
            form_digest=comment.form_token_digest,
            solved=solved_nonce is not None,
            computed=touched,
        )
    if returned is not None:
        row_inserted(row, returned)
        return None
    abuse.enforce_limits(usage, client, comment.phone, solved_nonce)
    # Allowed by the counts and not stored: the consultation has a comment with this key (a
    # repeat sent from a fresh form). A second statement, for these requests only.
    earlier = _earlier(comment.consultation_id, key) if key else None
    if earlier is None:
        # The statement and enforce_limits disagree: a bug, never a stored refusal.
        raise AssertionError(f"a comment allowed by its counts was not stored: {usage}")
    return earlier


def _decoded_photo(
    photo: PhotoUpload | None, client, comment: Comment, key: str, solved_nonce: str | None
) -> CleanPhoto | None:
    """The photo decoded and re-encoded, once the limits allow the comment (counted without
    locks here; the transaction counts again under its locks). A repeat of a stored comment
    is not decoded: the transaction answers it with the earlier receipt."""
    if photo is None:
        return None
    if key and _earlier(comment.consultation_id, key) is not None:
        return None  # the transaction finds the earlier comment and answers with it
    usage = abuse.count_usage(
        client, comment.phone, lock=False, form_digest=comment.form_token_digest
    )
    abuse.enforce_limits(usage, client, comment.phone, solved_nonce)
    try:
        return photo.clean()
    except PhotoError as error:
        raise abuse.Rejected(400, {"photo": [str(error)]}) from None


def _text(data, name: str) -> str:
    value = data.get(name, "")
    return value if isinstance(value, str) else ""


def _earlier(consultation_id: int, key: str) -> Comment | None:
    """The consultation's comment with the Idempotency-Key ``key`` (unique), if any. Without
    an order, which the unique index could not give."""
    found = Comment.objects.filter(consultation_id=consultation_id, idempotency_key=key)
    return next(iter(found.exclude(idempotency_key="").order_by()[:1]), None)


def _replay(earlier: Comment, data) -> Submitted:
    """The answer to a repeated request: the same receipt, as long as it is the same opinion."""
    body = normalise_body(_text(data, "body")).strip()
    stance = _text(data, "stance")
    if body != earlier.body or stance != earlier.stance:
        raise abuse.Rejected(
            409,
            {
                "idempotency_key": [
                    _("This Idempotency-Key was already used for a different opinion.")
                ]
            },
        )
    return Submitted(earlier, replayed=True)


def _forget_photo(comment: Comment) -> None:
    """A photo written for a comment that was not stored is removed again."""
    if comment.photo and comment.photo.name:
        comment.photo.storage.delete(comment.photo.name)
        comment.photo = None
