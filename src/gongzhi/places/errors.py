"""The error codes places raises (core.errors holds the hierarchy: ValidationFailed, Duplicate...)."""

from enum import StrEnum


class Code(StrEnum):
    # areas and the kinds a node may take under its parent
    BAD_AREA = "bad_area"
    BAD_KIND = "bad_kind"
    # a second node or household of the same name under one parent
    DUPLICATE = "duplicate"
