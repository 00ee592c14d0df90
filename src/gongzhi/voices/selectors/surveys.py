"""Skeleton: the surveys part fills this module."""

from __future__ import annotations
