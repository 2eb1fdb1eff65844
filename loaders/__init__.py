"""Per-request DataLoaders: one batched SQL statement per batch, results in key order."""
