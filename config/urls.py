"""Root URLs: the composition root wires each app's URLs in; it owns no domain logic."""

from django.contrib import admin
from django.urls import include, path

from casework.views import home

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("casework.auth_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("audit/", include("casework.audit.urls")),
    path("intake/", include("intake.urls")),
    path("shelter/", include("shelter.urls")),
    path("foster/", include("foster.urls")),
    path("", include("casework.urls")),
]
