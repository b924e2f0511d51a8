"""Responsible-AI checks that software can enforce (seed §2.4.3-2.4.4).

`protected`: prohibited attributes never become features. `proxy`: features that
stand in for a protected attribute. `metrics`: fairness of the decisions models
make, per group. `gate`: the release gate that blocks promotion. `mitigation`:
post-processing thresholds that equalise selection rates, when configured.
"""
