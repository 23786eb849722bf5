"""Schema migrations (Alembic): every schema change ships with one, and `aimsflow init` applies them."""
