"""The migrations match the models: the trail's event tables copy the fields of the models
they track, so a field added to Plan, Layer, Consultation, ... without
``makemigrations trail`` leaves its history incomplete, and this test says so."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_its_migration():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        pytest.fail(f"makemigrations --check found changes ({exit_.code}):\n{out.getvalue()}")
