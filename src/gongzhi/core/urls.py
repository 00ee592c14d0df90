from django.urls import path

from gongzhi.core import health, views

app_name = "core"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("healthz", health.healthz_view, name="healthz"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("prefs/", views.preferences_view, name="prefs"),
    path("password/", views.password_view, name="password"),
    path("me/", views.my_data_view, name="me"),
    path("me/export.json", views.my_data_export_view, name="me_export"),
    path("me/correction/", views.my_correction_view, name="me_correction"),
    path("me/tokens/", views.my_tokens_view, name="me_tokens"),
    path("me/tokens/<int:token_id>/revoke/", views.my_token_revoke_view, name="me_token_revoke"),
]
