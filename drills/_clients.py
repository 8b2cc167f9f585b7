"""What residents and planners send in the drills: plain HTTP through urllib, each request
from an address of its own (X-Forwarded-For, which the drills' settings trust for two hops)."""

import json
import urllib.error
import urllib.request
from pathlib import Path

from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

SLUG = "yangquanqu-2021-2035"


def request(base: str, path: str, *, address="", data=None, headers=None, timeout=10):
    """(status, body bytes); HTTP errors are answers too, connection errors raise."""
    sent = {**({"X-Forwarded-For": address} if address else {}), **(headers or {})}
    prepared = urllib.request.Request(base + path, data=data, headers=sent)
    try:
        with urllib.request.urlopen(prepared, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def post_comment(base: str, consultation: int, address: str, text: str) -> tuple[int, str]:
    """A resident's whole submission: the form token, then the comment. (status, receipt)."""
    status, body = request(base, f"/api/consultations/{consultation}/form/", address=address)
    if status != 200:
        return status, ""
    comment = {
        "body": text,
        "stance": "suggest",
        "consent_privacy": True,
        "form_token": json.loads(body)["form_token"],
    }
    status, body = request(
        base,
        f"/api/consultations/{consultation}/comments/",
        address=address,
        data=json.dumps(comment, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json"},
    )
    return status, json.loads(body).get("receipt_code", "") if status == 201 else ""


def post_upload(base: str, token: str, collection_id: str, path: Path) -> tuple[int, dict]:
    """A planner's upload of ``path`` as the next revision of a layer, through the API."""
    with path.open("rb") as handle:
        data = encode_multipart(BOUNDARY, {"file": handle})
    status, body = request(
        base,
        f"/api/layers/{collection_id}/revisions/",
        data=data,
        headers={"Authorization": f"Token {token}", "Content-Type": MULTIPART_CONTENT},
        timeout=60,
    )
    return status, json.loads(body)


def upload_job(base: str, token: str, job_id: int) -> dict:
    status, body = request(
        base, f"/api/upload-jobs/{job_id}/", headers={"Authorization": f"Token {token}"}
    )
    return json.loads(body) if status == 200 else {"state": f"http {status}"}
