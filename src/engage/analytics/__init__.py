"""Advanced analytics beside the five models (issue 17): one module per analysis.

Each module is a library: it takes frames and parameters, never ports, and its
stage in `engage.stages` reads the lake, calls it and publishes the tables.
"""
