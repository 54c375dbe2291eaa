"""The admin role keeps the member agencies table in the Django admin (PRODUCT §2: "users,
teams and settings"; issue 14: agencies "admin-manageable"); it gets no permission on register
entries, sessions or reviews, which are personal data."""

from django.db import migrations

GRANTS = [("agency", ["add", "change", "view"])]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    config = apps.get_app_config("network")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="admin")
    for model, actions in GRANTS:
        perms = Permission.objects.filter(
            content_type__app_label="network",
            codename__in=[f"{action}_{model}" for action in actions],
        )
        group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0001_initial"),
        ("casework", "0013_network_role_and_deadline_kinds"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
