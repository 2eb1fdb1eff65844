"""The pure rules every layer shares: time zones, days and billing periods, tile bands and
forecasts, peak concurrency, minor units, scalar forms and the enumerations.

Plain functions over plain values. Nothing here imports the rest of the project (no ORM,
no GraphQL, no settings), so each rule is tested directly (tests/test_days.py,
tests/test_health.py, …) and every layer above may use it; tests/test_layers.py checks it.
"""
