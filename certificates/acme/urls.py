from django.urls import path

from certificates.acme import views

app_name = "acme"

urlpatterns = [
    path("directory", views.directory, name="directory"),
    path("new-nonce", views.new_nonce, name="new-nonce"),
    path("new-account", views.new_account, name="new-account"),
    path("new-order", views.new_order, name="new-order"),
    path("revoke-cert", views.revoke_cert, name="revoke-cert"),
    path("key-change", views.key_change, name="key-change"),
    path("acct/<int:pk>", views.account, name="account"),
    path("acct/<int:pk>/orders", views.orders, name="orders"),
    path("order/<int:pk>", views.order, name="order"),
    path("order/<int:pk>/finalize", views.finalize, name="finalize"),
    path("authz/<int:pk>", views.authorization, name="authz"),
    path("chall/<int:pk>/<str:kind>", views.challenge, name="challenge"),
    path("cert/<int:pk>", views.certificate, name="certificate"),
]
