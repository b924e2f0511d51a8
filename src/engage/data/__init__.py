"""Synthetic customers for a hybrid social/dating/gig app, with ground truth for grading."""

from engage.data.generator import GenerationSummary, generate

__all__ = ["GenerationSummary", "generate"]
