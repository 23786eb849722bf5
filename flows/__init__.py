"""Prefect flows: orchestration only (order, schedules, waits for people). The database is the record."""
