"""Alembic's scripts for the addrmig database, run from code by ``addrmig.storage.migrate``."""
