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
