"""Checks on the data itself beyond the contract: distribution drift between runs."""
