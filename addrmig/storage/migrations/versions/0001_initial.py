"""The first schema: blobs, submissions and their samples, the send guard, workspaces, legacy imports.

Revision ID: 0001
Revises:
Create Date: 2026-11-20
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATUSES = ("sending", "started", "finished", "failed", "uncertain")


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_blobs"),
    )
    op.create_table(
        "blob_chunks",
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["sha256"], ["blobs.sha256"], name="fk_blob_chunks_sha256_blobs", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("sha256", "seq", name="pk_blob_chunks"),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("base_url", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.Text(), nullable=False),
        sa.Column("migration_key", sa.Text(), nullable=False),
        sa.Column("migration_id", sa.Text(), nullable=True),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processed", sa.BigInteger(), nullable=True),
        sa.Column("errors", sa.BigInteger(), nullable=True),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.Column("copy_sha256", sa.Text(), nullable=True),
        sa.Column("copy_kept_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="ck_submissions_status"),
        sa.ForeignKeyConstraint(["copy_sha256"], ["blobs.sha256"], name="fk_submissions_copy_sha256_blobs"),
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_submissions_owner", "submissions", ["owner"])
    op.create_index("ix_submissions_scope_sha256", "submissions", ["scope", "sha256"])
    op.create_index("ix_submissions_migration_id", "submissions", ["migration_id"])
    op.create_index("ix_submissions_copy_sha256", "submissions", ["copy_sha256"])
    op.create_table(
        "samples",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed", sa.BigInteger(), nullable=False),
        sa.Column("errors", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], name="fk_samples_submission_id_submissions",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_samples"),
    )
    op.create_index("ix_samples_submission_id", "samples", ["submission_id"])
    op.create_table(
        "send_guards",
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("migration_key", sa.Text(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], name="fk_send_guards_submission_id_submissions",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("scope", "migration_key", "sha256", name="pk_send_guards"),
        sa.UniqueConstraint("submission_id", name="uq_send_guards_submission_id"),
    )
    op.create_table(
        "workspaces",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("file_sha256", sa.Text(), nullable=True),
        sa.Column("edits_sha256", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["file_sha256"], ["blobs.sha256"], name="fk_workspaces_file_sha256_blobs"),
        sa.ForeignKeyConstraint(["edits_sha256"], ["blobs.sha256"], name="fk_workspaces_edits_sha256_blobs"),
        sa.PrimaryKeyConstraint("id", name="pk_workspaces"),
    )
    op.create_index("ix_workspaces_owner", "workspaces", ["owner"])
    op.create_index("ix_workspaces_expires_at", "workspaces", ["expires_at"])
    op.create_index("ix_workspaces_file_sha256", "workspaces", ["file_sha256"])
    op.create_index("ix_workspaces_edits_sha256", "workspaces", ["edits_sha256"])
    op.create_table(
        "legacy_imports",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submissions", sa.Integer(), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", name="pk_legacy_imports"),
    )


def downgrade() -> None:
    for table in ("legacy_imports", "workspaces", "send_guards", "samples", "submissions", "blob_chunks", "blobs"):
        op.drop_table(table)
