"""Natural-language Q&A over a run's results: tools, knowledge base, planners.

The agent never computes a figure in prose: every number in an answer comes from
a tool call (guarded SQL, the served models) made when the question is asked.
"""
