"""The place memory in the database, per owner: the places picked for written places (``place_choices``)
and the rules made of them (``place_rules``); ``legacy_imports`` counts what a ``corrections.sqlite``
carried over brought.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

PLACE_LEVELS = ("country", "city", "township", "district")


def upgrade() -> None:
    op.add_column("legacy_imports", sa.Column("choices", sa.Integer(), server_default="0", nullable=False))
    op.add_column("legacy_imports", sa.Column("rules", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "place_choices",
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("written_key", sa.Text(), nullable=False),
        sa.Column("country", sa.Text(), nullable=False),
        sa.Column("city", sa.Text(), nullable=False),
        sa.Column("township", sa.Text(), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("place_country", sa.Text(), nullable=False),
        sa.Column("place_city", sa.Text(), nullable=False),
        sa.Column("place_township", sa.Text(), nullable=False),
        sa.Column("place_district", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner", "written_key", name="pk_place_choices"),
    )
    op.create_table(
        "place_rules",
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("country", sa.Text(), nullable=False),
        sa.Column("city", sa.Text(), nullable=False),
        sa.Column("township", sa.Text(), nullable=False),
        sa.Column("written_key", sa.Text(), nullable=False),
        sa.Column("written", sa.Text(), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"level IN ({', '.join(repr(level) for level in PLACE_LEVELS)})",
                           name="ck_place_rules_level"),
        sa.PrimaryKeyConstraint("owner", "level", "country", "city", "township", "written_key",
                                name="pk_place_rules"),
    )


def downgrade() -> None:
    op.drop_table("place_rules")
    op.drop_table("place_choices")
    op.drop_column("legacy_imports", "rules")  # sqlite 3.35 and later drop a column in place
    op.drop_column("legacy_imports", "choices")
