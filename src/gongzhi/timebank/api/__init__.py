"""The time bank's JSON API under /api/timebank/: one router per part, assembled in `api.router`."""
