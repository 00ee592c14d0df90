"""东环路社区 (article 001) at the article's scale: 600+ registered volunteers (230+ Party members, among them the
在职党员 of twelve unit Party organizations), eight mature self-organizations, 12 / 3 / 15 collective cards, and
two and a half years of 助老 visits, 门前三包 duty, environment work and resident exchange that served 3,000+
people for 6,300+ hours; the 慈善超市 with donated stock and redemptions, family gifts, one reversal, 通存通兑
with 草堂路, a 琼花观-style chain (disabled residents trained → certified → serving the elderly) and a stamp trail.

Built part by part by `build.build_donghuanlu`: volunteers, activities, exchange, spending (`street.py` holds the
article's names and the state the parts share).
"""
