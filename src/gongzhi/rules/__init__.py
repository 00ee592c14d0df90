"""Pure rules with legal or money weight: no Django import, no I/O."""
