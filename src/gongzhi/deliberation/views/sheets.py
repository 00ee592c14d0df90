"""Printable PDFs: ballot sheets and 公示 notices."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
