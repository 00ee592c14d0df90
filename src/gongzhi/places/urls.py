from django.urls import path

from gongzhi.places import views

app_name = "places"
urlpatterns = [
    path("c/<int:community_id>/", views.community_home, name="community_home"),
    path("c/<int:community_id>/places/<int:place_id>/", views.place_detail, name="place_detail"),
    path("c/<int:community_id>/households/<int:household_id>/", views.household_detail, name="household_detail"),
    path("s/<int:street_id>/", views.street_home, name="street_home"),
    path("p/", views.directory, name="directory"),
    path("p/<int:community_id>/", views.public_page, name="public"),
]
