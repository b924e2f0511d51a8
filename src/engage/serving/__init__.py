"""Model loading and serving: rebuild a registry version from its safe artefacts.

One home for "give me the served churn model", used alike by inference (stages),
the API, the Q&A agent's what-if tool, `engage explain` and privacy erasure.
Stages import this package; it never imports `engage.stages`.
"""

from engage.serving.loading import LOADERS, load_artefacts, load_served, load_version

__all__ = ["LOADERS", "load_artefacts", "load_served", "load_version"]
