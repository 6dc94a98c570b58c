"""Run the migrations on the connection that ``addrmig.storage.migrate`` hands over (no alembic.ini)."""
from __future__ import annotations

from alembic import context

from addrmig.storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations with addrmig.storage.migrate.upgrade() or `addrmig db upgrade`, "
                       "which pass the connection to use.")
context.configure(connection=connection, target_metadata=Base.metadata, transactional_ddl=True,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
