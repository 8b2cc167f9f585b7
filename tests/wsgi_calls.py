"""WSGI requests made in-process, for the fast paths in front of Django (layers/ogc/fastpath.py,
consultation/fastpath.py): a request through a fast path with a recorder behind it, so that a
test knows whether Django was reached, and the same request through Django's own handler."""

import gzip
import io
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

HOST = "testserver"


class Downstream:
    """The application behind a fast path: records what reaches it."""

    def __init__(self):
        self.paths = []

    def __call__(self, environ, start_response):
        self.paths.append(environ["PATH_INFO"])
        start_response("418 I'm a teapot", [("Content-Type", "text/plain")])
        return [b"downstream"]


def call(
    application,
    path: str,
    method: str = "GET",
    scheme: str = "https",
    *,
    body: bytes = b"",
    content_type: str = "",
    **headers: str,
):
    """(status, headers, body) of one WSGI request; PATH_INFO decoded as a server decodes it.
    A body is sent with its Content-Length and ``content_type``."""
    raw_path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": raw_path.encode().decode("latin-1"),
        "QUERY_STRING": query,
        "HTTP_HOST": HOST,
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(body),
    }
    if body:
        environ.update(CONTENT_LENGTH=str(len(body)), CONTENT_TYPE=content_type)
    environ.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer.update(status=status, headers=response_headers)

    result = application(environ, start_response)
    try:
        answered = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return answer["status"], answer["headers"], answered


def readable(headers: list, body: bytes) -> tuple[dict, bytes]:
    """Headers as a dict and the body decompressed. A gzipped body differs from one answer to
    the next (Django's BREACH mitigation adds random bytes), and with it Content-Length; of a
    Set-Cookie (a new CSRF token is random) the name is kept."""
    cookies = sorted(value.split("=")[0].strip() for name, value in headers if name == "Set-Cookie")
    found = {name: value for name, value in headers if name != "Set-Cookie"}
    assert len(found) + len(cookies) == len(headers), headers  # no other header given twice
    if cookies:
        found["Set-Cookie"] = cookies
    if found.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
        found.pop("Content-Length")
    return found, body


@pytest.fixture(autouse=True)
def on_the_tests_connection(request):
    """Both WSGI paths on the test's connection, inside its transaction: a request's start and
    end close "old" connections, which would close that one (Django's test client, too,
    disconnects the receiver while it makes a request)."""
    if "live_url" in request.fixturenames:
        yield
        return
    request.getfixturevalue("db")
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
