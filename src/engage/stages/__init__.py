"""Pipeline stages: one module per Task state of the pipeline definition.

Every stage exposes `run(event, services) -> dict` (the work, testable with any
Services) and `handler(event, context) -> dict` (the AWS Lambda entry point,
which builds Services from ENGAGE_* settings). The local runner and the Fargate
container call the same `run`, so a stage behaves alike everywhere.
"""

from engage.stages.errors import DataValidationError, StageError

__all__ = ["DataValidationError", "StageError"]
