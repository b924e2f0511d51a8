"""Deployment helpers: render the pipeline definition for an AWS environment.

Kept apart from `engage.pipeline` (which runs locally) so nothing here is imported by
the default local run.
"""
