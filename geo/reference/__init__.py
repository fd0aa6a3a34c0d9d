"""Reference data: the shipped layers and how they are built, imported overlays,
the category taxonomy, place names and search."""
