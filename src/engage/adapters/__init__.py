"""Adapters: one module per backend, each implementing a port from engage.ports."""
