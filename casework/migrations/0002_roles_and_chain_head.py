"""Create the role groups (PRODUCT §2) and the single audit-chain head row."""

from django.db import migrations

ROLES = ["intake", "caseworker", "supervisor", "shelter", "foster", "auditor", "admin"]

# Model-wide permissions each role gets. Case content is never granted model-wide: it follows
# assignment through object permissions (casework/access.py). The admin role manages staff,
# teams and settings only.
ROLE_PERMISSIONS = {
    "admin": [
        ("casework", "user", ["add", "change", "view"]),
        ("casework", "team", ["add", "change", "view"]),
        ("casework", "membership", ["add", "change", "view", "delete"]),
        ("auth", "group", ["view"]),
    ],
}


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    ChainHead = apps.get_model("casework", "ChainHead")
    ChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "mac": ""})


def grant_admin_permissions(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        for app_label, model, actions in grants:
            codenames = [f"{action}_{model}" for action in actions]
            perms = Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
            group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(grant_admin_permissions, migrations.RunPython.noop),
    ]
