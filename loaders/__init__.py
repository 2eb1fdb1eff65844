"""Batched lookups (DataLoaders: one SQL statement per batch, results in key order),
gathered on `Lookups` and bound to the connection they read through."""
