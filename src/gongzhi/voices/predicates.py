"""Who may act on a voice. Skeleton: the inbox part fills it."""
