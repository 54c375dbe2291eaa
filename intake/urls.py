from django.urls import path

from intake import views

app_name = "intake"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.new, name="new"),
    path("notices/", views.notices, name="notices"),
    path("notices/<int:pk>/sent/", views.notice_sent, name="notice_sent"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/reporter/", views.reveal_reporter, name="reveal_reporter"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/decline/", views.decline, name="decline"),
    path("<int:pk>/safety/", views.safety_add, name="safety_add"),
    path("<int:pk>/steps/<slug:kind>/", views.step_new, name="step_new"),
    path("steps/<int:pk>/", views.step_detail, name="step_detail"),
    path("steps/<int:pk>/outcome/", views.step_outcome, name="step_outcome"),
    path("steps/<int:pk>/print/", views.step_print, name="step_print"),
]
