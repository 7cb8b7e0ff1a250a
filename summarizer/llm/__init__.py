"""Everything that talks to a model: endpoint selection, retries, the embedded engine."""
