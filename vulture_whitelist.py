# ruff: noqa: F821, B018
"""Names vulture cannot see used: framework entry points and attributes other libraries read.

Run by tests/test_architecture.py (``vulture`` with the paths in pyproject.toml).
"""
# Flask calls the sandbox's route functions and reads its JSON settings.
inject_faults, overview, migration_errors, not_allowed
ensure_ascii
# sqlite3 and openpyxl read attributes set on their objects.
row_factory, data_type, comment, isolation_level
# SQLAlchemy calls a TypeDecorator's hooks; Alembic reads a revision's module attributes.
impl, cache_ok, process_bind_param, process_result_value
down_revision, branch_labels, depends_on, downgrade
# Columns written for whoever looks into the database (when the old history was carried over).
imported_at
# Columns of a place choice, read by name (addrmig/storage/memory.py: CHOICE_FIELDS).
place_country, place_city, place_township, place_district
# Dataclass fields read through the class (history rows are built from the database's columns).
finished_at
# tests/wild_expected.py runs expect() in a child process, named in a string.
expect
# http.server's request handler reads it after a handler returns (a test proxy drops a connection).
close_connection
