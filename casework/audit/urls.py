from django.urls import path

from casework.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.changes, name="changes"),
    path("access/", views.access_log, name="access"),
    path("deadlines/", views.deadlines, name="deadlines"),
    path("views/", views.views_compliance, name="views"),
]
