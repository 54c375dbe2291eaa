"""Login (password, then the second factor), logout only by POST, and the second factor's own
pages: enrolment and backup codes for each user, a reset for administrators."""

from django.contrib.auth import views as auth_views
from django.urls import path

from casework.views import twofactor

urlpatterns = [
    path("login/", twofactor.PasswordLoginView.as_view(), name="login"),
    path("login/verify/", twofactor.login_verify, name="login_verify"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", twofactor.two_factor, name="two_factor"),
    path("two-factor/backup-codes/", twofactor.two_factor_codes, name="two_factor_codes"),
    path("two-factor/reset/<int:pk>/", twofactor.two_factor_reset, name="two_factor_reset"),
]
