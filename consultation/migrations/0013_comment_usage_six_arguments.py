"""``consultation_usage`` with six arguments on every database.

Migration 0012 first created the function with a seventh argument, the start of the client's
longer window, which the caller worked out; 0012 was then changed to take six and work that
start out itself (``least(client_since, burst_since)``). A database that had applied the first
0012 still holds the seven-argument function, which the comment path (consultation/abuse.py)
no longer calls. This migration removes it and creates, or replaces, the six-argument one with
0012's body, so that both kinds of database end the same.
"""

import importlib

from django.db import migrations

usage_function = importlib.import_module("consultation.migrations.0012_comment_usage_function")

DROP_SEVEN_ARGUMENTS = """
DROP FUNCTION IF EXISTS consultation_usage(
    text, timestamptz, timestamptz, timestamptz, text, timestamptz, text);
"""

FORWARD = DROP_SEVEN_ARGUMENTS + usage_function.FORWARD.replace(
    "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1
)


class Migration(migrations.Migration):
    dependencies = [("consultation", "0012_comment_usage_function")]

    # Backwards there is nothing to restore: 0012's own reverse drops the six-argument function.
    operations = [migrations.RunSQL(FORWARD, migrations.RunSQL.noop)]
