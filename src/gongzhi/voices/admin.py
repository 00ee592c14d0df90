"""Back office for 社情民意. Skeleton: the routing part registers the scoped admin."""
