"""The semantic layer and the compositional planner's plan, SQL and parser.

Questions are parsed into a typed `Plan` by recognising slots (measures, columns,
values, comparisons, groupings) against a vocabulary generated from the data
contract, the run's catalog and the reviewed lexicon; SQL is generated from the
plan, so any measure composes with any grouping and any number of filters.
"""
