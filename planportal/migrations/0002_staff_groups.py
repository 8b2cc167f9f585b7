"""Creates the staff role groups: planners upload and publish layers, officials moderate and
answer comments. Permissions are attached by the apps that define the guarded models."""

from django.db import migrations

GROUPS = ("planners", "officials")


def create_groups(apps, schema_editor):
    group_model = apps.get_model("auth", "Group")
    for name in GROUPS:
        group_model.objects.get_or_create(name=name)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("planportal", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
