"""The admin role configures the layout (rooms and beds) in the Django admin (PRODUCT §2:
"users, teams and settings"); it gets no permission on stays, which are case content."""

from django.db import migrations

GRANTS = [("room", ["add", "change", "view"]), ("bed", ["add", "change", "view"])]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    config = apps.get_app_config("shelter")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="admin")
    for model, actions in GRANTS:
        perms = Permission.objects.filter(
            content_type__app_label="shelter",
            codename__in=[f"{action}_{model}" for action in actions],
        )
        group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("shelter", "0002_postgres_exclusion_constraints"),
        ("casework", "0002_roles_and_chain_head"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
