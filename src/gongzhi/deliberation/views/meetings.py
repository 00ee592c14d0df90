"""Meeting pages and the 台账 export."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
