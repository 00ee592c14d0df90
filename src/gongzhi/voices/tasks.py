"""Background tasks of 社情民意 (reminders and 督办 escalation); the work lives in the service modules."""

from __future__ import annotations
