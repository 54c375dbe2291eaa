from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("ケース管理")

    def ready(self) -> None:
        from casework.audit import signals  # noqa: F401  (chains every history row)
        from casework.audit.triggers import register_triggers

        register_triggers()  # PostgreSQL: history and logs are append-only
        signals.replace_update_last_login()

        from django.db.models.signals import post_init

        from casework.audit.rows import encrypted_models
        from casework.fields import decrypt_row

        for model, _fields in encrypted_models():  # ciphertext bound to its row (issue 9)
            post_init.connect(decrypt_row, sender=model, dispatch_uid=f"mm_decrypt_{model}")

        from casework.audit import powers

        powers.connect()  # who holds which power: recorded, shown on /audit/, chained

        from django.db.models.signals import post_migrate

        from casework import events  # noqa: F401  (registers casework's timeline event kinds)
        from casework.models.cases import forget_permission_ids

        post_migrate.connect(forget_permission_ids, dispatch_uid="mimamori_permission_ids")

        from casework import dbroles  # registers the production check of the database roles

        post_migrate.connect(dbroles.grant_after_migrate, dispatch_uid="mimamori_app_role")

        from casework.deadlines import register_deadline_source
        from casework.handbooks import sync_approval_deadlines, sync_handbook_deadlines

        register_deadline_source(sync_handbook_deadlines)
        register_deadline_source(sync_approval_deadlines)

        from casework.hearings import sync_views_deadlines

        register_deadline_source(sync_views_deadlines)

        from casework.registry import register_seeder
        from casework.seed.handbooks import seed_handbooks

        register_seeder(seed_handbooks)
