"""Time bank pages, one module per part; each module's `urlpatterns` is included by timebank/urls.py."""
