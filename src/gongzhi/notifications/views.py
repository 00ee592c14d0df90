"""The user's inbox of notifications. Skeleton: the routing part fills it."""
