"""Root URLs: the composition root wires each app's URLs in; it owns no domain logic."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from casework.views import home

urlpatterns = [
    path("", home, name="home"),
    path(
        "favicon.ico",
        login_not_required(RedirectView.as_view(url=static("img/favicon.svg"), permanent=True)),
    ),
    path("admin/", admin.site.urls),
    path("accounts/", include("casework.auth_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("audit/", include("casework.audit.urls")),
    path("intake/", include("intake.urls")),
    path("reports/", include("intake.report_urls")),
    path("shelter/", include("shelter.urls")),
    path("foster/", include("foster.urls")),
    path("network/", include("network.urls")),
    path("", include("casework.urls")),
]
