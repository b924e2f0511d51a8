"""Diagrams as code: the architecture graph as data, rendered to Mermaid and to a PNG."""

from engage.diagrams.graph import FLOWS, PORTS, Adapter, Port
from engage.diagrams.mermaid import components, data_flow, state_machine, write_all

__all__ = ["FLOWS", "PORTS", "Adapter", "Port", "components", "data_flow", "state_machine",
           "write_all"]  # fmt: skip
