"""Skeleton: the voices part fills this module."""

from __future__ import annotations
