from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShelterConfig(AppConfig):
    name = "shelter"
    verbose_name = _("一時保護所")

    def ready(self) -> None:
        from shelter import hooks

        hooks.register()  # child scope, timeline, child page, dashboard, demo seeder
