"""What the two databases spell differently."""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_new(session: Session, model: type, **values: object) -> bool:
    """INSERT a row unless one with the same key exists (``ON CONFLICT DO NOTHING``); True when inserted.

    On PostgreSQL a concurrent, uncommitted insert of the same key is waited for: the answer
    is then False if it committed."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    key = model.__table__.primary_key.columns
    # RETURNING, not rowcount: psycopg reports -1 rows for an INSERT … ON CONFLICT.
    return session.execute(dialect.insert(model).values(**values).on_conflict_do_nothing().returning(*key)).first() \
        is not None
