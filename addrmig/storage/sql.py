"""What the two databases spell differently."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_new(session: Session, model: type, **values: object) -> bool:
    """INSERT a row unless one with the same key exists (``ON CONFLICT DO NOTHING``); True when inserted.

    On PostgreSQL a concurrent, uncommitted insert of the same key is waited for: the answer
    is then False if it committed."""
    key = model.__table__.primary_key.columns
    # RETURNING, not rowcount: psycopg reports -1 rows for an INSERT … ON CONFLICT.
    return session.execute(_insert(session, model).values(**values).on_conflict_do_nothing().returning(*key)).first() \
        is not None


def _insert(session: Session, model: type):
    return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert(model)


def upsert(session: Session, model: type, rows: Sequence[Mapping[str, object]]) -> None:
    """INSERT ``rows`` (each with every column), a row whose key exists replacing its other columns
    (``ON CONFLICT … DO UPDATE``: two writers of one key never fail, the later one wins). No two
    ``rows`` may share a key."""
    if not rows:
        return
    statement = _insert(session, model)
    key = [column.name for column in model.__table__.primary_key.columns]
    others = [column.name for column in model.__table__.columns if column.name not in key]
    session.execute(statement.on_conflict_do_update(index_elements=key,
                                                    set_={name: statement.excluded[name] for name in others}),
                    list(rows))


def insert_missing(session: Session, model: type, rows: Sequence[Mapping[str, object]]) -> None:
    """INSERT those of ``rows`` whose key is not there yet (``ON CONFLICT DO NOTHING``)."""
    if rows:
        session.execute(_insert(session, model).on_conflict_do_nothing(), list(rows))
