"""The default referral routes (DOMAIN §2) and the admin role's right to edit them.

The national table's layout changes over the years, so routes are rows with an effective
period: the admin ends a route (適用終了日) and adds its successor; nothing is deleted.
"""

from datetime import date

from django.db import migrations

VALID_FROM = date(2000, 4, 1)

# (code, name, group) in the order of the statistics table's columns.
ROUTES = [
    ("family_father_abuser", "父（虐待者）", "家族・親戚"),
    ("family_mother_abuser", "母（虐待者）", "家族・親戚"),
    ("family_other_abuser", "その他の家族（虐待者）", "家族・親戚"),
    ("family_father", "父（虐待者以外）", "家族・親戚"),
    ("family_mother", "母（虐待者以外）", "家族・親戚"),
    ("family_other", "その他の家族（虐待者以外）", "家族・親戚"),
    ("relative", "親戚", "家族・親戚"),
    ("neighbour", "近隣・知人", "近隣・知人"),
    ("child_self", "児童本人", "児童本人"),
    ("welfare_office", "福祉事務所", "福祉事務所"),
    ("health_centre", "保健センター", "市町村"),
    ("municipality", "市町村（その他）", "市町村"),
    ("other_cgc", "他の児童相談所", "児童相談所"),
    ("nursery", "保育所", "児童福祉施設"),
    ("welfare_facility", "児童福祉施設（その他）", "児童福祉施設"),
    ("foster_parent", "里親", "里親"),
    ("police", "警察等", "警察等"),
    ("kindergarten", "幼稚園", "学校等"),
    ("school", "学校", "学校等"),
    ("board_of_education", "教育委員会", "学校等"),
    ("medical", "医療機関", "医療機関"),
    ("public_health", "保健所", "保健所"),
    ("child_commissioner", "児童委員", "児童委員"),
    ("other", "その他（匿名を含む）", "その他"),
]


def create_routes(apps, schema_editor):
    Route = apps.get_model("intake", "Route")
    for order, (code, name, group) in enumerate(ROUTES, start=1):
        Route.objects.get_or_create(
            code=code,
            valid_from=VALID_FROM,
            defaults={"name": name, "group": group, "sort_order": order * 10},
        )


def grant_admin(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("intake")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin = Group.objects.filter(name="admin").first()
    if admin is None:
        return
    perms = Permission.objects.filter(
        content_type__app_label="intake",
        codename__in=["add_route", "change_route", "view_route"],
    )
    admin.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0001_initial"),
        ("casework", "0002_roles_and_chain_head"),
    ]

    operations = [
        migrations.RunPython(create_routes, migrations.RunPython.noop),
        migrations.RunPython(grant_admin, migrations.RunPython.noop),
    ]
