"""Pure geodata logic for Ahya: layers, validation, imports, maps.

Nothing in this package imports Flask; functions take and return
GeoDataFrames, dicts or paths so they can be tested directly.
"""
