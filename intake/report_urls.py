"""Mounted at /reports/ by config/urls.py (the statistics live at the root, PRODUCT §4)."""

from django.urls import path

from intake import report_views

app_name = "reports"
urlpatterns = [
    path("consultations/", report_views.consultations, name="consultations"),
]
