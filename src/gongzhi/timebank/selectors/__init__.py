"""Reads of the time bank, one module per part, each already scoped to what the actor may see. Callers import each
selector from its part's module."""
