"""The error codes people raises (core.errors holds the hierarchy: ValidationFailed, Duplicate...)."""

from enum import StrEnum


class Code(StrEnum):
    # a resident's fields (forms, the API and each row of the 台账 import)
    BAD_NAME = "bad_name"
    BAD_ID_NUMBER = "bad_id_number"
    BAD_PHONE = "bad_phone"
    DUPLICATE_PERSON = "duplicate_person"
    # tags, corrections
    BAD_CATEGORY = "bad_category"
    BAD_FIELD = "bad_field"
    ALREADY_HANDLED = "already_handled"
    # the 台账 upload and its job
    TOO_LARGE = "too_large"
    BAD_TYPE = "bad_type"
    BAD_TARGET = "bad_target"
    MISSING_COLUMNS = "missing_columns"
    TOO_MANY_ROWS = "too_many_rows"
    BAD_MODE = "bad_mode"
    BAD_STATUS = "bad_status"
    NOTHING_VALID = "nothing_valid"
