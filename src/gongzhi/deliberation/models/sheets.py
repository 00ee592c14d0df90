"""Printed ballot sheets: a serial number and a QR per household, so paper ballots map back to their household."""

__all__: list[str] = []
