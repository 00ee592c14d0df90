"""The error codes notifications raises: none of its own. Reading someone else's notification is core's
`NotFound` ("not_found"), exactly as a missing one; a failed delivery is not an error but the outbox row's
`last_error`, retried later. A code the inbox needs goes here first."""

from enum import StrEnum


class Code(StrEnum):
    pass
