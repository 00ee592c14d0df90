"""The 社情民意 demo: every community's desk, 花园颐院's survey and 瀝雄's year of voices; `load.py` runs it."""
