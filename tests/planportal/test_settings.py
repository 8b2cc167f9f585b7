"""Settings from the environment: production values pass ``check --deploy``; a production
start without a secret key fails with a clear message."""

import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.conftest import server_environment

REPO = Path(settings.BASE_DIR)
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x7$k2!pQ9vL#mR4tW8zY1nB6cF3hJ5dG0sA-eU_iO+yT@wE&rQ^uI*oP(lK)jH=gF",
    "ALLOWED_HOSTS": "ghgs.xiaoyi.example.cn",
    "CSRF_TRUSTED_ORIGINS": "https://ghgs.xiaoyi.example.cn",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        # Only the environment the test names: browser tests relax Django's async check for
        # this process, which a deployment check rightly rejects.
        env=server_environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_no_issue_with_production_values():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_flags_the_local_defaults():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env={"DEBUG": "1"})
    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG on in deployment


def test_production_without_a_secret_key_stops_with_a_clear_message():
    env = {**PRODUCTION, "SECRET_KEY": ""}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_a_malformed_boolean_names_the_variable():
    result = manage("check", env={"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_a_media_root_the_server_cannot_write_is_refused_at_start_up(tmp_path):
    # Under a file no process can make a folder, root included (which os.access lets write).
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    result = manage("check", env={"MEDIA_ROOT": str(blocker / "media"), "DEBUG": "1"})
    assert result.returncode != 0
    assert "planportal.E001" in result.stderr and "MEDIA_ROOT" in result.stderr
    writable = manage("check", env={"MEDIA_ROOT": str(tmp_path / "media"), "DEBUG": "1"})
    assert writable.returncode == 0, writable.stderr


def test_a_tianditu_key_of_the_wrong_form_is_refused_at_start_up():
    result = manage("check", env={"TIANDITU_KEY": "not-a-key", "DEBUG": "1"})
    assert result.returncode != 0
    assert "planportal.E003" in result.stderr and "TIANDITU_KEY" in result.stderr
    good = manage("check", env={"TIANDITU_KEY": "0123456789abcdef0123456789abcdef", "DEBUG": "1"})
    assert good.returncode == 0, good.stderr


def test_the_database_check_finds_postgis_recent_enough():
    result = manage("check", "--database", "default", env={"DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert "planportal.E004" not in result.stderr


def test_a_gdal_older_than_39_is_refused(monkeypatch):
    from django.contrib.gis import gdal

    from planportal import checks

    monkeypatch.setattr(gdal, "GDAL_VERSION", (3, 6, 2))
    errors = checks.gdal_is_recent(None)
    assert [error.id for error in errors] == ["planportal.E002"]
    assert "3.6.2" in errors[0].msg


def test_a_secret_can_be_read_from_a_file(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text(PRODUCTION["SECRET_KEY"] + "\n", encoding="utf-8")
    production = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", "--deploy", env={**production, "SECRET_KEY_FILE": str(secret)})
    assert result.returncode == 0, result.stdout + result.stderr
    both = manage("check", env={**PRODUCTION, "SECRET_KEY_FILE": str(secret)})
    assert both.returncode != 0 and "SECRET_KEY_FILE" in both.stderr
