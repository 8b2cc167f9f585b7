"""Public reads from the replica, writes and read-your-writes on the primary
(planportal/db_router.py).

The replica alias reads the test database through a connection of its own (tests/settings.py,
TEST MIRROR), so what a test writes inside its transaction is invisible to it, as rows not yet
replayed are on a real replica: the demo plan (committed when the session set up) is there,
a comment the test just posted is not. Which connection answered is counted per alias.
"""

import pytest
from django.db import connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from consultation.models import Comment
from layers.models import Layer
from planportal import db_router
from planportal.db_router import PIN_COOKIE, PRIMARY, REPLICA, ROUTER, read_scope
from tests.consultation.submit_helpers import post_comment
from tests.factories import make_consultation

pytestmark = pytest.mark.django_db(databases=["default", "replica"])

PLAN_PAGE = "/plans/yangquanqu-2021-2035/"


@pytest.fixture(autouse=True)
def replica_routing():
    db_router.wake_replica()
    with override_settings(DATABASE_ROUTERS=[ROUTER]):
        yield
    db_router.wake_replica()
    # Its connection would keep the test database from being dropped at the end.
    connections[REPLICA].close()


def queries_per_alias(client: Client, path: str, **extra):
    """The answer to GET ``path``, and how many queries each alias ran for it."""
    with (
        CaptureQueriesContext(connections[PRIMARY]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        answer = client.get(path, **extra)
    return answer, len(primary), len(replica)


def public_collection() -> str:
    return Layer.objects.public().values_list("collection_id", flat=True).first()


def features_collection() -> str:
    return Layer.objects.public().with_features().values_list("collection_id", flat=True)[0]


@pytest.mark.parametrize(
    "path",
    [
        PLAN_PAGE,
        "/ogc/collections",
        "/ogc/collections/{features}/items?limit=5",
        "/tiles/{tiled}.json",
        "/tiles/{tiled}/14/13268/6373.mvt",
        "/api/plans/yangquanqu-2021-2035/layers/",
        "/api/plans/yangquanqu-2021-2035/report/?lon=111.55&lat=37.07",
    ],
)
def test_the_public_reads_pages_tiles_features_and_reports_from_the_replica(client, path):
    path = path.format(tiled=public_collection(), features=features_collection())
    answer, on_primary, on_replica = queries_per_alias(client, path)
    assert answer.status_code == 200
    assert on_replica > 0
    assert on_primary == 0


def test_a_comment_and_its_receipt_right_after_are_read_from_the_primary(client, demo_plan):
    consultation = make_consultation(demo_plan)
    posted = post_comment(client, consultation)
    assert posted.status_code == 201
    assert posted.cookies[PIN_COOKIE]["max-age"] == 10
    receipt = f"/api/receipts/{posted.json()['receipt_code']}/"

    answer, _, on_replica = queries_per_alias(client, receipt)
    assert answer.status_code == 200
    assert on_replica == 0

    # Someone else reads the replica, which has not replayed the comment yet.
    answer, _, on_replica = queries_per_alias(Client(), receipt)
    assert answer.status_code == 404
    assert on_replica > 0


def test_signed_in_staff_read_the_primary(official_client):
    answer, on_primary, on_replica = queries_per_alias(official_client, PLAN_PAGE)
    assert answer.status_code == 200
    assert on_primary > 0
    assert on_replica == 0


def test_an_api_token_reads_the_primary(client):
    answer, _, on_replica = queries_per_alias(
        client, "/ogc/collections", HTTP_AUTHORIZATION="Token x"
    )
    assert on_replica == 0


def test_reads_after_a_write_in_the_same_request_go_to_the_primary():
    router = db_router.PrimaryReplicaRouter()
    with read_scope(True) as scope:
        assert router.db_for_read(Layer) == REPLICA
        assert router.db_for_write(Comment) == PRIMARY
        assert router.db_for_read(Layer) == PRIMARY
    assert scope.used_replica


def test_transactions_and_row_locks_read_the_primary():
    with read_scope(True):
        assert Layer.objects.all().db == REPLICA
        assert Layer.objects.select_for_update().db == PRIMARY
        with transaction.atomic():
            assert Layer.objects.all().db == PRIMARY


def test_commands_and_jobs_outside_a_request_read_the_primary():
    assert Layer.objects.all().db == PRIMARY


def test_migrations_run_on_the_primary_only():
    router = db_router.PrimaryReplicaRouter()
    assert router.allow_migrate(PRIMARY, "layers")
    assert not router.allow_migrate(REPLICA, "layers")


@pytest.fixture
def replica_gone_away(unused_tcp_port):
    """The replica's address now refuses connections, as when its server stopped."""
    replica = connections[REPLICA]
    replica.close()
    port = replica.settings_dict["PORT"]
    replica.settings_dict["PORT"] = str(unused_tcp_port)
    yield
    replica.close()
    replica.settings_dict["PORT"] = port


@pytest.fixture
def unused_tcp_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_dead_replica_is_left_for_the_primary_without_an_error(client, replica_gone_away):
    with CaptureQueriesContext(connections[PRIMARY]) as primary:
        answer = client.get(PLAN_PAGE)
    assert answer.status_code == 200
    assert len(primary) > 0
    assert db_router.replica_resting()

    # While it rests, the next request does not try it at all.
    with CaptureQueriesContext(connections[PRIMARY]) as primary:
        assert client.get("/ogc/collections").status_code == 200
    assert len(primary) > 0


def test_without_a_replica_nothing_changes(client, demo_plan):
    with override_settings(DATABASE_ROUTERS=[]):
        posted = post_comment(client, make_consultation(demo_plan))
        assert posted.status_code == 201
        assert PIN_COOKIE not in posted.cookies
        assert Layer.objects.all().db == PRIMARY


def test_the_ogc_items_fast_path_reads_the_replica_too(settings):
    """Items are answered in front of Django (layers/ogc/fastpath.py) with replica_reads in
    its chain: a public page of features reads the replica, as through Django."""
    from django.test import RequestFactory

    from layers.ogc.fastpath import answering_chain

    chain = answering_chain(settings.MIDDLEWARE)
    assert chain is not None
    request = RequestFactory().get(f"/ogc/collections/{features_collection()}/items?limit=5")
    with (
        CaptureQueriesContext(connections[PRIMARY]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        answer = chain(request)
    assert answer.status_code == 200
    assert len(replica) > 0
    assert len(primary) == 0
