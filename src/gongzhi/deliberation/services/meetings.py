"""Meeting writes: schedule, sign-in, minutes, suggestions."""

__all__: list[str] = []
