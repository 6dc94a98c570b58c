"""Files sent in parts: each submission's parts (one migration each) and the limits it was cut by.

Every submission made before is one part, the whole file, with the submission's status,
migration id and counts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PART_STATUSES = ("waiting", "sending", "started", "finished", "failed", "uncertain")


def upgrade() -> None:
    op.add_column("submissions", sa.Column("part_bytes", sa.BigInteger(), nullable=True))
    op.add_column("submissions", sa.Column("part_rows", sa.BigInteger(), nullable=True))
    op.create_table(
        "submission_parts",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("first_row", sa.BigInteger(), nullable=True),
        sa.Column("rows", sa.BigInteger(), nullable=True),
        sa.Column("header_size", sa.BigInteger(), nullable=False),
        sa.Column("body_start", sa.BigInteger(), nullable=False),
        sa.Column("body_end", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("migration_id", sa.Text(), nullable=True),
        sa.Column("processed", sa.BigInteger(), nullable=True),
        sa.Column("errors", sa.BigInteger(), nullable=True),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("sending_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"status IN ({', '.join(repr(s) for s in PART_STATUSES)})",
                           name="ck_submission_parts_status"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name="fk_submission_parts_submission_id_submissions", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("submission_id", "number", name="pk_submission_parts"),
    )
    op.create_index("ix_submission_parts_migration_id", "submission_parts", ["migration_id"])
    op.execute(
        "INSERT INTO submission_parts (submission_id, number, first_row, rows, header_size, body_start, body_end, "
        "size, sha256, status, migration_id, processed, errors, total, message, sending_at, started_at, finished_at) "
        "SELECT id, 1, CASE WHEN rows > 0 THEN 1 END, rows, 0, 0, size, size, sha256, status, migration_id, "
        "processed, errors, total, message, submitted_at, CASE WHEN migration_id IS NOT NULL THEN submitted_at END, "
        "finished_at FROM submissions")


def downgrade() -> None:
    op.drop_table("submission_parts")
    op.drop_column("submissions", "part_rows")  # sqlite 3.35 and later drop a column in place
    op.drop_column("submissions", "part_bytes")
