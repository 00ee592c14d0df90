"""Bodies that decide at a meeting (议事会, 村民代表会议) with their members, and resolutions with recorded votes."""

__all__: list[str] = []
