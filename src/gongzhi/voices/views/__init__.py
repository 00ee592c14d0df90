"""Pages of 社情民意, one module per part; their routes are in `voices/urls.py`."""
