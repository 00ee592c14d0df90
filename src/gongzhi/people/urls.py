from django.urls import path

from gongzhi.people import views

app_name = "people"
urlpatterns = [
    path("c/<int:community_id>/people/", views.person_list, name="list"),
    path("c/<int:community_id>/people/export.xlsx", views.person_export, name="export"),
    path("c/<int:community_id>/people/<int:person_id>/", views.person_detail, name="detail"),
    path("c/<int:community_id>/people/<int:person_id>/reveal/<slug:field>/", views.person_reveal, name="reveal"),
    path("c/<int:community_id>/people/<int:person_id>/account/", views.person_account, name="account"),
    path("c/<int:community_id>/households/export.xlsx", views.household_export, name="household_export"),
    path("c/<int:community_id>/party-members/export.xlsx", views.party_export, name="party_export"),
    path("c/<int:community_id>/imports/", views.import_list, name="imports"),
    path("c/<int:community_id>/imports/<int:job_id>/", views.import_detail, name="import_detail"),
    path("c/<int:community_id>/imports/<int:job_id>/confirm/", views.import_confirm, name="import_confirm"),
    path("c/<int:community_id>/corrections/", views.correction_list, name="corrections"),
    path("c/<int:community_id>/people/<int:person_id>/tags/", views.person_tags, name="person_tags"),
    path("c/<int:community_id>/households/<int:household_id>/register/", views.household_register, name="register"),
    path("c/<int:community_id>/tags/", views.tag_list, name="tags"),
]
