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
