"""The place memory of one owner: the places they picked for written places, and the rules they
made (``place_choices``, ``place_rules``). Nothing of one owner's is read or changed through
another owner's memory.

This module keeps rows; what a written place or a rule means (folding names, the database's
spelling) is ``addrmig.locations.corrections``, which hands rows over with their keys made.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from addrmig.errors import BadArguments
from addrmig.i18n import _
from addrmig.storage.database import Database, utcnow
from addrmig.storage.models import PLACE_LEVELS, PlaceChoice, PlaceRule
from addrmig.storage.sql import upsert

#: A choice as it is read: the written country, city, township and district, then the place.
CHOICE_FIELDS = ("country", "city", "township", "district",
                 "place_country", "place_city", "place_township", "place_district")
#: A rule as it is read: its level, the parent places, the written value and the place it means.
RULE_FIELDS = ("level", "country", "city", "township", "written", "place")
_KEYED = ("written_key",)


class PlaceMemory:
    """``owner``'s place memory in ``database``."""

    def __init__(self, database: Database, owner: str) -> None:
        if not isinstance(owner, str) or not owner.strip():
            raise BadArguments(_("A place memory needs an owner (e.g. 'local', 'user:alice@example.com')."))
        self.database = database
        self.owner = owner

    def __repr__(self) -> str:
        return f"PlaceMemory({self.database.shown_url!r}, owner={self.owner!r})"

    def choices(self) -> list[tuple[str, ...]]:
        """Every choice (``CHOICE_FIELDS``), newest first."""
        columns = [getattr(PlaceChoice, name) for name in CHOICE_FIELDS]
        with self.database.reading() as session:
            return [tuple(row) for row in session.execute(
                select(*columns).where(PlaceChoice.owner == self.owner)
                .order_by(PlaceChoice.updated_at.desc(), PlaceChoice.written_key.desc()))]

    def save_choices(self, rows: Sequence[tuple[str, ...]]) -> int:
        """Remember ``rows``, each ``(written_key, *CHOICE_FIELDS)``, the last the newest; a choice for a
        written key already remembered replaces it. Returns how many were given."""
        self._save(PlaceChoice, _KEYED + CHOICE_FIELDS, rows, lambda row: row[0])
        return len(rows)

    def rules(self) -> list[tuple[str, ...]]:
        """Every rule (``RULE_FIELDS``), newest first."""
        columns = [getattr(PlaceRule, name) for name in RULE_FIELDS]
        with self.database.reading() as session:
            return [tuple(row) for row in session.execute(
                select(*columns).where(PlaceRule.owner == self.owner)
                .order_by(PlaceRule.updated_at.desc(), PlaceRule.written_key.desc()))]

    def save_rules(self, rows: Sequence[tuple[str, ...]]) -> int:
        """Remember ``rows``, each ``(written_key, *RULE_FIELDS)`` with a level of ``PLACE_LEVELS``, the
        last the newest; a rule for the same written key under the same parent at the same level
        replaces the one remembered. Returns how many were given."""
        unknown = sorted({row[1] for row in rows} - set(PLACE_LEVELS))
        if unknown:
            raise BadArguments(_("A rule's level is one of {levels}; not {unknown}.").format(
                levels=", ".join(PLACE_LEVELS), unknown=", ".join(unknown)))
        self._save(PlaceRule, _KEYED + RULE_FIELDS, rows, lambda row: (row[1], row[2], row[3], row[4], row[0]))
        return len(rows)

    def clear(self) -> None:
        """Forget every choice and every rule (of this owner)."""
        with self.database.writing() as session:
            forget(session, [self.owner])

    def _save(self, model: type, fields: tuple[str, ...], rows: Sequence[tuple[str, ...]], key) -> None:
        newest: dict[object, dict] = {}
        moment = utcnow()
        for number, row in enumerate(rows):
            record = dict(zip(fields, (str(value) for value in row)), owner=self.owner,
                          updated_at=_later(moment, number))
            newest.pop(key(row), None)  # the last for a key wins
            newest[key(row)] = record
        with self.database.writing() as session:
            upsert(session, model, list(newest.values()))


def forget(session: Session, owners: Iterable[str]) -> None:
    """Delete every choice and rule of ``owners``."""
    owners = sorted(set(owners))
    for start in range(0, len(owners), 500):
        chunk = owners[start:start + 500]
        for model in (PlaceChoice, PlaceRule):
            session.execute(delete(model).where(model.owner.in_(chunk)).execution_options(synchronize_session=False))


def _later(moment: datetime, steps: int) -> datetime:
    """``moment`` and ``steps`` microseconds: the records of one save keep their order."""
    return moment + timedelta(microseconds=steps)


def count(session: Session, model: type, owner: str) -> int:
    """How many rows of ``model`` (``PlaceChoice`` or ``PlaceRule``) ``owner`` has."""
    return session.scalar(select(func.count()).select_from(model).where(model.owner == owner))
