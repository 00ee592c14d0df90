"""Skeleton: the stats part fills this module."""

from __future__ import annotations
