"""议事厅 pages, one module per part; urls.py holds their routes."""
