"""Pages of 社情民意, one module per part; each module lists its `urlpatterns`."""
