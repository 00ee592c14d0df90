"""Reads in the 议事厅, one module per part, each scoped to the actor. Callers import each selector from the module
that defines it."""
