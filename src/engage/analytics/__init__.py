"""Advanced analytics over a run's lake data (issue 17): one module per area."""
