from django.urls import include, path

from casework import views

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", include("casework.audit.urls")),
]
