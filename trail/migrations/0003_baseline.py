"""A copy of every tracked row as it stands when the trail is installed, labelled "baseline":
the "before" of the first change recorded after it. The trail pages do not list these rows
(they are not changes). On a new database the tables are empty and nothing is copied.

The columns copied are those the event table and the tracked table share, read from the
catalogue when this runs, so the migration stays right when later migrations add fields.
"""

from django.db import migrations

# event table -> tracked table
TRACKED = {
    "trail_planevent": "planportal_plan",
    "trail_chapterevent": "planportal_chapter",
    "trail_sectionevent": "planportal_section",
    "trail_indicatorevent": "planportal_indicator",
    "trail_consultationevent": "consultation_consultation",
    "trail_layerevent": "layers_layer",
    "trail_userevent": "auth_user",
}


def columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def copy_rows(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for event_table, tracked_table in TRACKED.items():
            shared = [c for c in columns(cursor, event_table) if c in columns(cursor, tracked_table)]
            names = ", ".join(f'"{c}"' for c in shared)
            cursor.execute(
                f"INSERT INTO {event_table} ({names}, pgh_obj_id, pgh_label, pgh_created_at,"  # noqa: S608
                f" pgh_context) SELECT {names}, id, 'baseline', NOW(), '{{\"baseline\": true}}'"
                f" FROM {tracked_table}"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("consultation", "0003_submitter_and_receipt_date"),
        ("layers", "0003_layer_data_status_and_publication"),
        ("trail", "0002_event_tables_append_only"),
    ]

    operations = [migrations.RunPython(copy_rows, migrations.RunPython.noop)]
