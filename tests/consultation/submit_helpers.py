"""What the residents' side tests send: form tokens, comment payloads posted as the form posts
them, proof of work solved as the browser solves it. The plan, consultation and layers they
post to come from tests/factories.py."""

import json
import threading
import time
import urllib.error
import urllib.request

from django.contrib.gis.geos import GEOSGeometry
from django.core import signing

from consultation.abuse import CHALLENGE_SALT, FORM_TOKEN_SALT
from consultation.models import Consultation


def form_token(consultation: Consultation, age: float = 60) -> str:
    """A form token as the form endpoint issues it, ``age`` seconds ago."""
    return signing.dumps({"c": consultation.pk, "t": time.time() - age}, salt=FORM_TOKEN_SALT)


def expired_form_token(consultation: Consultation) -> str:
    """A token signed two days ago (signing's timestamp is what expiry reads)."""
    signer = signing.TimestampSigner(salt=FORM_TOKEN_SALT)
    signer.timestamp = lambda: signing.b62_encode(int(time.time()) - 2 * 86400)
    return signer.sign_object({"c": consultation.pk, "t": time.time() - 2 * 86400})


def payload(consultation: Consultation, **fields) -> dict:
    values = {
        "body": "建议在村口增设公交站点，方便老人出行。",
        "stance": "suggest",
        "consent_privacy": True,
        "form_token": form_token(consultation),
    }
    values.update(fields)
    return {key: value for key, value in values.items() if value is not None}


def comments_url(consultation: Consultation) -> str:
    return f"/api/consultations/{consultation.pk}/comments/"


def post_at_once(url: str, bodies: list[bytes], headers: dict) -> list[tuple[int, bytes]]:
    """Each body POSTed to ``url`` from a thread of its own, all released together: the
    answers' statuses and bodies, in the order they came."""
    start = threading.Barrier(len(bodies))
    answers = []

    def send(body: bytes):
        request = urllib.request.Request(
            url, data=body, headers={"Content-Type": "application/json", **headers}, method="POST"
        )
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answers.append((response.status, response.read()))
        except urllib.error.HTTPError as error:
            answers.append((error.code, error.read()))

    threads = [threading.Thread(target=send, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def post_comment(client, consultation, data=None, *, key=None, ip="203.0.113.10", **headers):
    """POSTs JSON as comment-form.js does; ``ip`` is the client's REMOTE_ADDR."""
    if key:
        headers["Idempotency-Key"] = key
    return client.post(
        comments_url(consultation),
        data=json.dumps(payload(consultation) if data is None else data),
        content_type="application/json",
        headers=headers,
        REMOTE_ADDR=ip,
    )


def solve(challenge: dict) -> str:
    """What static/js/pow.js does, in Python."""
    import hashlib

    from consultation.abuse import leading_zero_bits

    counter = 0
    while True:
        digest = hashlib.sha256(f"{challenge['token']}:{counter}".encode()).digest()
        if leading_zero_bits(digest) >= challenge["difficulty"]:
            return str(counter)
        counter += 1


def challenge_payload(token: str) -> dict:
    return signing.loads(token, salt=CHALLENGE_SALT)


def geojson(geometry: GEOSGeometry) -> dict:
    return json.loads(geometry.geojson)
