"""The 议事厅 demo from the articles, one module per part, built through the services; `load.py` runs them."""
