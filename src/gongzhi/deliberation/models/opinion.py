"""民意征集 opinion maps (Pol.is method): statements, their moderation, and agree/disagree/pass votes."""

__all__: list[str] = []
