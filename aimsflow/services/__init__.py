"""Use cases: plain functions that take a unit of work and plain values, and return plain data."""
