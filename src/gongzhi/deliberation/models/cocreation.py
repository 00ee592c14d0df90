"""团队共创 (article 004, old compounds): ideas, clusters, dot votes and the action plan."""

__all__: list[str] = []
