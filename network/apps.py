from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("要保護児童対策地域協議会")

    def ready(self) -> None:
        from network import hooks

        hooks.register()  # the child rule and panel, the ledger source, the demo seeder
