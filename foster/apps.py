from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FosterConfig(AppConfig):
    name = "foster"
    verbose_name = _("里親")

    def ready(self) -> None:
        from foster import hooks

        hooks.register()  # timeline kinds, case and child panels, ledger source, demo seeder
