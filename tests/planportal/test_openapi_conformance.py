"""The OpenAPI schema at /api/schema/ says what the API does.

schemathesis generates requests for every operation of the schema, GET and POST, with valid
and invalid data, and checks every answer with its default checks: no server error, a
documented status code, content type and headers, a body that matches the documented schema,
invalid data refused, valid data accepted, unsupported methods answered 405 with an ``Allow``
header listing the documented methods, and authentication that is required really required.

The requests go through the portal's WSGI application in this process (no network), on the
session's test database with the demo plan, inside the test's transaction: what the requests
create (comments, answers, publishes, uploads, audit events) is rolled back, and uploaded
files go to a temporary folder. Half of the generated identifiers are swapped for those of
real objects (the demo plan, its consultation and a layer, a comment with a published answer,
an upload job), so the answers about existing objects are checked too, not only the 404s. A
comment sent to the demo consultation carries a form token from the form endpoint and, when
the form asks for one, the solved challenge, as the portal's own form does.

Generation is derandomised, with a fixed seed and a bounded number of examples per operation,
so two runs send the same requests.
"""

import zlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance
from werkzeug.test import Client

from consultation import moderation
from consultation.models import Consultation
from layers.models import Layer, UploadJob, UploadState
from planportal.figures import add_figure
from planportal.versions import new_draft
from planportal.wsgi import application
from tests.conftest import DEMO_SLUG
from tests.consultation.submit_helpers import solve
from tests.factories import make_comment, make_official, make_planner
from tests.planportal import figure_files

SEED = 2035
MAX_EXAMPLES = 12
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        # Two methods the API never answers are enough to check its 405s and Allow headers.
        "phases": {"coverage": {"unexpected-methods": ["PUT", "DELETE"]}},
    }
)
HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

# Loaded when the module is collected; generating the schema reads no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)
# The operations that take a planner's or an official's token.
staff_schema = schema.include(path_regex=r"^/api/(comments|layers|upload-jobs|plans)/")


@pytest.fixture
def wsgi_app(db, settings, tmp_path):
    """The WSGI application on the test's connection, inside its transaction."""
    # The handler closes "old" connections when a request starts and ends; in a transaction
    # that would close the connection the test runs on (Django's test client does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    settings.MEDIA_ROOT = tmp_path / "media"
    # A form token is good at once, and a challenge is quick to solve.
    settings.COMMENT_MIN_FILL_SECONDS = 0
    settings.POW_DIFFICULTY = 8
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def known(wsgi_app, demo_plan) -> dict:
    """Real objects for the path parameters, by (first path segment, parameter)."""
    planner = make_planner("schemathesis.planner")
    official = make_official("schemathesis.official")
    consultation = Consultation.objects.filter(plan=demo_plan).earliest("opens_at")
    comment = make_comment(consultation, body="建议在村口增设公交站点。")
    moderation.answer(official, comment, "adopted", "已纳入规划。", publish=True)
    layer = Layer.objects.public().filter(plan=demo_plan).earliest("position")
    job = UploadJob.objects.create(
        plan=demo_plan,
        layer=layer,
        collection_id=layer.collection_id,
        stored_file="uploads/schemathesis.zip",
        original_name="schemathesis.zip",
        state=UploadState.QUEUED,
        created_by=planner,
    )
    new_draft(demo_plan)  # figures are added to a working draft, never to a published version
    figure = add_figure(
        planner,
        demo_plan,
        name="map.png",
        content=figure_files.png(),
        title="镇域国土空间总体格局图",
    )
    return {
        "tokens": {
            "planner": Token.objects.create(user=planner).key,
            "official": Token.objects.create(user=official).key,
        },
        "path": {
            ("plans", "slug"): DEMO_SLUG,
            ("consultations", "id"): consultation.pk,
            ("receipts", "code"): comment.receipt_code,
            ("comments", "id"): comment.pk,
            ("layers", "collection_id"): layer.collection_id,
            ("layers", "number"): layer.published_revision.number,
            ("upload-jobs", "id"): job.pk,
            ("plans", "id"): figure.pk,
            ("plans", "number"): 1,  # the demo plan's published version
        },
        "consultation": consultation.pk,
    }


def use_real_objects(case, known: dict) -> None:
    """Swaps the generated path parameters of every other valid case for real objects' ones, and
    gives a valid comment to the demo consultation what the portal's form sends with it: the
    form token (and the solved challenge) from the form endpoint, and the consent to the privacy
    notice (without which every comment is refused)."""
    if not case.path_parameters or case.meta.is_negative_at(ParameterLocation.PATH):
        return
    if zlib.crc32(repr((case.path_parameters, case.query, case.body)).encode()) % 2:
        return
    segment = case.path.split("/")[2]
    case.path_parameters = {
        name: known["path"].get((segment, name), value)
        for name, value in case.path_parameters.items()
    }
    if (
        case.method == "POST"
        and segment == "consultations"
        and isinstance(case.body, dict)
        and not case.meta.is_negative_at(ParameterLocation.BODY)
    ):
        case.body = {**case.body, **form_fields(known["consultation"]), "consent_privacy": True}


def form_fields(consultation_id: int) -> dict:
    """The form token (and a solved challenge) from GET /api/consultations/{id}/form/."""
    form = Client(application).get(f"/api/consultations/{consultation_id}/form/").json
    fields = {"form_token": form["form_token"]}
    if form["challenge"]:
        fields |= {
            "challenge": form["challenge"]["token"],
            "challenge_solution": solve(form["challenge"]),
        }
    return fields


# Refusals that depend on more than the shape of a valid request: a comment needs a valid form
# token, an open consultation, a target that exists, a phone number that is one, a key not used
# for another text and a photo that is one; an upload needs a readable file of a geodata format.
# A figure must be a real image or PDF named for what it is, with a section of its plan.
# A layer's settings are refused when a section is not one of its plan's, when a published
# layer would lose what the publish gate asks for, or when a restricted layer is given features
# without a confirmation. For these the check that valid data is accepted takes these statuses
# too.
SEMANTIC_REFUSALS = {
    "POST /api/consultations/{id}/comments/": {400, 403, 404, 409, 413, 428, 429},
    "POST /api/layers/{collection_id}/revisions/": {400, 401, 403, 404, 413},
    "PATCH /api/layers/{collection_id}/": {400, 401, 403, 404},
    # A new plan's region must be in the region hierarchy and its slug free.
    "POST /api/plans/": {400, 401, 403},
    # A plan without text (chapters) is not published.
    "POST /api/plans/{slug}/publish/": {400, 401, 403, 404},
    # A 汇交 package needs a readable database of layers; publishing it needs every layer
    # through the checks and the gate, and the overlaps acknowledged.
    "POST /api/plans/{slug}/packages/": {400, 401, 403, 404, 413},
    "POST /api/packages/{id}/publish/": {400, 401, 403, 404},
    # A figure must be a real PNG, JPEG or PDF whose name says what it is, and its section one
    # of the plan's.
    "POST /api/plans/{slug}/figures/": {400, 401, 403, 404, 413},
    "PATCH /api/plans/{slug}/figures/{id}/": {400, 401, 403, 404},
    # A plan text must be a readable DOCX, PDF with a text layer, or text; a correction must
    # name a block and section of the draft; a saved draft is not saved again.
    "POST /api/plans/{slug}/text-imports/": {400, 401, 403, 404, 413},
    "POST /api/plans/{slug}/text-imports/{id}/edit/": {400, 401, 403, 404, 409},
    "POST /api/plans/{slug}/text-imports/{id}/save/": {400, 401, 403, 404, 409},
    # An answer's changes must exist and be changes of later versions of the comment's plan.
    "POST /api/comments/{id}/answer/": {400, 401, 403, 404},
    # A comment's villages must be villages of its plan (names of its village layer).
    "POST /api/comments/{id}/villages/": {400, 401, 403, 404},
    # A procedure step follows the rules of its kind (a meeting needs a place, an approval its
    # authority and number, a 批后公布 at least 30 days) and names a version of its plan.
    "POST /api/plans/{slug}/phases/": {400, 401, 403, 404},
    "PATCH /api/plans/{slug}/phases/{id}/": {400, 401, 403, 404},
    # A well-formed "against" may name no published version of the plan, or the version itself.
    "GET /api/plans/{slug}/versions/{number}/diff/": {400, 404},
}


def valid_data_accepted(ctx, response, case):
    """positive_data_acceptance, with the refusals above for the two operations."""
    refusals = SEMANTIC_REFUSALS[case.operation.label]
    if case.meta.generation.mode.is_positive and not (
        200 <= response.status_code < 300 or response.status_code in refusals
    ):
        raise AssertionError(
            f"Valid data should have been accepted; got {response.status_code}, expected 2xx "
            f"or one of {sorted(refusals)}"
        )


def validate(case, headers: dict | None = None) -> None:
    # Schemathesis asks for gzip like a browser but its WSGI transport does not unpack it; the
    # answers' compression is tested in tests/planportal/test_static_serving.py.
    headers = {"Accept-Encoding": "identity", **(headers or {})}
    excluded, additional = [], []
    if case.operation.label in SEMANTIC_REFUSALS:
        excluded.append(positive_data_acceptance)
        additional.append(valid_data_accepted)
    case.call_and_validate(excluded_checks=excluded, additional_checks=additional, headers=headers)


def staff_headers(case, known: dict) -> dict:
    role = "official" if case.path.startswith("/api/comments/") else "planner"
    return {"Authorization": f"Token {known['tokens'][role]}"}


@schema.parametrize()
@HYPOTHESIS
def test_every_answer_to_anyone_is_documented(case, known):
    use_real_objects(case, known)
    validate(case)


@staff_schema.parametrize()
@HYPOTHESIS
def test_every_answer_to_staff_is_documented(case, known):
    """With a planner's token, an official's for answering comments; the check of ignored
    authentication also sends each of these without a token and with a wrong one."""
    use_real_objects(case, known)
    validate(case, headers=staff_headers(case, known))


def test_the_revisions_path_allows_get_and_post(wsgi_app, demo_plan):
    """One view answers both methods of the path, so its Allow header names both."""
    layer = Layer.objects.public().filter(plan=demo_plan).earliest("position")
    response = Client(application).get(f"/api/layers/{layer.collection_id}/revisions/")
    assert response.status_code == 200
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}
