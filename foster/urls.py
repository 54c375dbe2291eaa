"""URLs of the foster app, mounted at /foster/."""

from django.urls import path

from foster import views

app_name = "foster"
urlpatterns = [
    path("", views.pipeline, name="pipeline"),
    path("sessions/", views.session_add, name="session_add"),
    path("applicants/new/", views.applicant_new, name="applicant_new"),
    path("applicants/<int:pk>/", views.applicant_detail, name="applicant_detail"),
    path("applicants/<int:pk>/step/", views.step_record, name="step_record"),
    path("applicants/<int:pk>/training/", views.training_add, name="training_add"),
    path("applicants/<int:pk>/visits/", views.study_visit_add, name="study_visit_add"),
    path("applicants/<int:pk>/members/", views.member_add, name="member_add"),
    path("applicants/<int:pk>/close/", views.applicant_close, name="applicant_close"),
    path("applicants/<int:pk>/reopen/", views.applicant_reopen, name="applicant_reopen"),
    path("homes/", views.home_list, name="home_list"),
    path("homes/<int:pk>/", views.home_detail, name="home_detail"),
    path("homes/<int:pk>/capacity/", views.home_capacity, name="home_capacity"),
    path("homes/<int:pk>/training/", views.renewal_training, name="renewal_training"),
    path("homes/<int:pk>/renew/", views.home_renew, name="home_renew"),
    path("homes/<int:pk>/visits/", views.home_visit_add, name="home_visit_add"),
    path("cases/<int:pk>/placement/", views.placement_propose, name="placement_propose"),
    path("placements/<int:pk>/confirm/", views.placement_confirm, name="placement_confirm"),
    path("placements/<int:pk>/withdraw/", views.placement_withdraw, name="placement_withdraw"),
    path("placements/<int:pk>/end/", views.placement_end, name="placement_end"),
]
