"""Reads in 社情民意, already scoped to what the user may see; one module per part."""
