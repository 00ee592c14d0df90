"""Time bank pages, one module per part; their routes are in timebank/urls.py."""
