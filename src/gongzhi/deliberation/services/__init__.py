"""Writes in the 议事厅, one module per part; each write is one transaction with one audit event. Callers import
each service from the module that defines it."""
