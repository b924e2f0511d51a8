"""Advanced analytics of the seed (§3.5.3): unsupervised analyses run beside training.

One module per area (segments, network, uplift); each takes data frames and returns
results, and the stages in engage.stages publish them. Nothing here reads ground truth
except the graders (grade_*.py), whose figures are reports, never inputs.
"""
