from django.urls import path

from teams import acme_views, invitation_views, token_views, views

app_name = "teams"

urlpatterns = [
    path("switch/", views.switch, name="switch"),
    path("members/", views.members, name="members"),
    path("members/<int:pk>/role/", views.member_role, name="member-role"),
    path("members/<int:pk>/remove/", views.member_remove, name="member-remove"),
    path(
        "members/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("invitations/", invitation_views.invitation_list, name="invitations"),
    path(
        "invitations/<int:pk>/accept/",
        invitation_views.invitation_accept,
        name="invitation-accept",
    ),
    path(
        "invitations/<int:pk>/decline/",
        invitation_views.invitation_decline,
        name="invitation-decline",
    ),
    path("tokens/", token_views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", token_views.token_revoke, name="token-revoke"),
    path("acme/", acme_views.acme_page, name="acme"),
    path("acme/keys/<int:pk>/delete/", acme_views.acme_key_delete, name="acme-key-delete"),
    path(
        "acme/accounts/<int:pk>/deactivate/",
        acme_views.acme_account_deactivate,
        name="acme-account-deactivate",
    ),
]
