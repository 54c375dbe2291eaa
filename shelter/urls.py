"""URLs of the shelter app, mounted at /shelter/."""

from django.urls import path

from shelter import views

app_name = "shelter"
urlpatterns = [
    path("", views.board, name="board"),
    path("admit/", views.admit, name="admit"),
    path("admit/<int:pk>/", views.admit_decision, name="admit_decision"),
    path("cases/<int:pk>/decision/", views.decision_add, name="decision_add"),
    path("decisions/<int:pk>/cancel/", views.decision_cancel, name="decision_cancel"),
    path("stays/<int:pk>/", views.stay_detail, name="stay_detail"),
    path("stays/<int:pk>/move/", views.move, name="move"),
    path("stays/<int:pk>/discharge/", views.discharge, name="discharge"),
    path("stays/<int:pk>/consent/", views.consent, name="consent"),
    path("stays/<int:pk>/warrant/", views.warrant_request, name="warrant_request"),
    path("stays/<int:pk>/warrant/decision/", views.warrant_decision, name="warrant_decision"),
    path("stays/<int:pk>/warrant/appeal/", views.appeal, name="appeal"),
    path("stays/<int:pk>/extensions/", views.extension_add, name="extension_add"),
    path(
        "stays/<int:pk>/extensions/<int:extension_pk>/decide/",
        views.extension_decide,
        name="extension_decide",
    ),
    path("stays/<int:pk>/school/", views.school, name="school"),
]
