"""Human review of predictions: the QA queue, reviewers' decisions, and the feedback loop."""
