"""Strawberry types and fields only: thin, typed, described."""
