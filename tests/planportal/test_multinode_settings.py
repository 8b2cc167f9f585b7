"""The settings of more than one machine: a read replica, transaction pooling and the media
storage come from the environment; without them the portal is one database and a folder."""

import json

from tests.planportal.test_settings import manage

PRINT_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "aliases": sorted(settings.DATABASES),
    "replica": settings.DATABASES.get("replica", {}),
    "routers": settings.DATABASE_ROUTERS,
    "server_side_cursors_off": settings.DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"],
    "media": settings.STORAGES["default"],
}, default=str))
"""


def settings_with(**env: str) -> dict:
    result = manage("shell", "-c", PRINT_SETTINGS, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_replica_url_adds_the_replica_and_its_router_and_pooling_turns_cursors_plain():
    found = settings_with(
        REPLICA_DATABASE_URL="postgis://planportal:x@10.0.0.6:6432/planportal_replica",
        DATABASE_TRANSACTION_POOLING="1",
        MEDIA_STORAGE_BACKEND="storages.backends.s3.S3Storage",
        MEDIA_STORAGE_OPTIONS='{"bucket_name": "planportal-media"}',
    )
    assert found["aliases"] == ["default", "replica"]
    assert found["replica"]["HOST"] == "10.0.0.6"
    assert found["replica"]["NAME"] == "planportal_replica"
    assert found["replica"]["OPTIONS"]["connect_timeout"] == 2
    assert found["replica"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert found["replica"]["TEST"]["MIRROR"] == "default"
    assert found["routers"] == ["planportal.db_router.PrimaryReplicaRouter"]
    assert found["server_side_cursors_off"] is True
    assert found["media"] == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": "planportal-media"},
    }


def test_without_them_the_portal_is_one_database_and_a_folder():
    found = settings_with()
    assert found["aliases"] == ["default"]
    assert found["routers"] == []
    assert found["server_side_cursors_off"] is False
    assert found["media"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_storage_options_that_are_not_a_json_object_are_refused_with_the_name():
    result = manage("check", env={"MEDIA_STORAGE_OPTIONS": '["bucket"]'})
    assert result.returncode != 0
    assert "MEDIA_STORAGE_OPTIONS must be a JSON object" in result.stderr
