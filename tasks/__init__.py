"""Prefect tasks: each wraps one aimsflow service call in one unit of work (one transaction).

Results depend on the database, so no task caches (`NO_CACHE`); only delivery, which does I/O
beyond the database, retries.
"""
