"""The accounts pages the console styles itself; the rest of django.contrib.auth.urls
(login, logout, password change) follows these in scm_console/urls.py."""

from django.urls import path

from teams import account_views, languages

urlpatterns = [
    path("language/", languages.switch, name="language"),
    path("password_reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password_reset/done/",
        account_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
]
