"""URLs of the 要対協 register, mounted at /network/."""

from django.urls import path

from network import views

app_name = "network"
urlpatterns = [
    path("", views.register, name="register"),
    path("entries/new/", views.entry_new, name="entry_new"),
    path("entries/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("entries/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("entries/<int:pk>/end/", views.entry_end, name="entry_end"),
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/refresh/", views.session_refresh, name="session_refresh"),
    path("sessions/<int:pk>/held/", views.session_hold, name="session_hold"),
    path("sessions/<int:pk>/handout/", views.handout, name="handout"),
    path("agenda/<int:pk>/review/", views.review_add, name="review_add"),
]
