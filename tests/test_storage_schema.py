"""The database: its URL, its schema (Alembic's scripts build exactly the models), and an upgrade that
processes starting together run once.

Tests that use a database run on sqlite and on PostgreSQL (the ``database_url`` fixture)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from addrmig.cli import main
from addrmig.errors import BadArguments, StorageError
from addrmig.history import History
from addrmig.storage.database import Database, close_database, open_database
from addrmig.storage.migrate import current, head
from addrmig.storage.models import Base
from addrmig.storage.settings import database_url, normalise

ROOT = Path(__file__).resolve().parents[1]


def test_postgres_urls_are_served_by_psycopg_3():
    assert normalise("postgres://u:pw@db.internal/addrmig") == "postgresql+psycopg://u:pw@db.internal/addrmig"
    assert normalise("postgresql://u@db/addrmig?sslmode=require") == "postgresql+psycopg://u@db/addrmig?sslmode=require"


def test_another_kind_of_database_is_refused_with_a_sentence():
    with pytest.raises(BadArguments, match="names a mysql database"):
        normalise("mysql://u@db/addrmig")
    with pytest.raises(BadArguments, match="not a database URL"):
        normalise("db.internal:5432")


def test_without_settings_the_database_is_a_file_in_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("ADDRMIG_DATABASE_URL", raising=False)
    monkeypatch.setenv("ADDRMIG_DATA_DIR", str(tmp_path / "data"))
    assert database_url() == f"sqlite:///{tmp_path / 'data' / 'addrmig.sqlite3'}"


def test_an_unreachable_database_is_named_without_its_password(capsys):
    url = "postgresql://addrmig:s3cret@127.0.0.1:9/addrmig"  # nothing listens on port 9
    assert repr(Database(normalise(url))) == "Database('postgresql+psycopg://addrmig:***@127.0.0.1:9/addrmig')"
    assert main(["db", "upgrade", "--database-url", url]) == 2
    err = capsys.readouterr().err
    assert "could not be used" in err and "127.0.0.1:9" in err and "s3cret" not in err


@pytest.mark.usefixtures("database_url")
def test_the_migrations_build_exactly_the_models():
    database = open_database()
    with database.reading() as session:
        differences = compare_metadata(MigrationContext.configure(session.connection()), Base.metadata)
    assert differences == []
    assert current(database) == head()


@pytest.mark.usefixtures("database_url")
def test_processes_starting_together_on_a_new_database_upgrade_it_once():
    opener = "from addrmig.history import History; print(len(History().list()))"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    openers = [subprocess.Popen([sys.executable, "-c", opener], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(4)]
    said = [p.communicate(timeout=90) for p in openers]
    assert [out.strip() for out, _ in said] == ["0"] * 4, said
    with open_database().reading() as session:
        assert session.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head()]


@pytest.mark.usefixtures("database_url")
def test_a_database_upgraded_by_a_newer_version_is_refused_with_a_sentence():
    database = open_database()
    with database.writing() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    close_database(database.url)
    with pytest.raises(StorageError, match="schema revision 9999, which this version of addrmig does not know"):
        History()


def test_sqlite_checks_foreign_keys_and_waits_for_other_writers(monkeypatch):
    monkeypatch.delenv("ADDRMIG_DATABASE_URL", raising=False)
    with open_database().reading() as session:
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert session.execute(text("PRAGMA busy_timeout")).scalar() == 30000
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"


@pytest.mark.usefixtures("database_url")
def test_submissions_made_before_parts_become_one_part_each_the_whole_file():
    from alembic import command
    from sqlalchemy import create_engine

    from addrmig.storage.migrate import config
    from addrmig.storage.settings import database_url as resolved

    url = resolved()
    engine = create_engine(url)
    with engine.begin() as connection:  # a database an earlier version made, with its submissions
        command.upgrade(config(connection), "0001")
        connection.execute(text(
            "INSERT INTO submissions (id, owner, scope, base_url, channel_id, migration_key, migration_id, filename, "
            "sha256, size, rows, status, message, submitted_at, finished_at, processed, errors, total) VALUES "
            "(1, 'local', 'akinon:https://shop.example.com#1', 'https://shop.example.com', '1', 'address', 'm-1', "
            "'a.csv', 'abc', 120, 3, 'finished', '', '2026-11-01 10:00:00', '2026-11-01 10:05:00', 3, 1, 3), "
            "(2, 'local', 'akinon:https://shop.example.com#1', 'https://shop.example.com', '1', 'address', NULL, "
            "'b.csv', 'def', 80, 2, 'uncertain', 'no answer', '2026-11-02 10:00:00', NULL, NULL, NULL, NULL)"))
    engine.dispose()
    history = History()  # opening it upgrades the database
    finished, uncertain = history.get(1), history.get(2)
    assert (finished.parts, finished.status, finished.migration_id, finished.errors) == (1, "finished", "m-1", 1)
    [part] = history.parts(1)
    assert (part.number, part.rows, part.header_size, part.body_start, part.body_end, part.migration_id) == \
        (1, 3, 0, 0, 120, "m-1")
    assert (uncertain.parts_uncertain, history.parts(2)[0].message) == (1, "no answer")
