"""Skeleton: the inbox part fills this module."""

from __future__ import annotations
