"""Prefect flows (the Prefect issue builds them)."""
