"""(assemblies reads: filled in by its part of issue 4.)"""

__all__: list[str] = []
