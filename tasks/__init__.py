"""Prefect tasks (the Prefect issue builds them)."""
