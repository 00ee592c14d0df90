"""The time bank demo: 东环路 at the article's scale and 杨西园村; `load.py` runs it."""
