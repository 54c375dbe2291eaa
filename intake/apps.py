from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("相談受付")

    def ready(self) -> None:
        from intake import hooks

        hooks.register()  # child scope, timeline, child page, dashboard, demo seeder
