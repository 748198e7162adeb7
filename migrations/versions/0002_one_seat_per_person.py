"""Nominations are unique per organisation; a person holds one seat per edition

Two organisations may now nominate the same address for an edition (refusing the second told its
coordinator that someone else had nominated this person); a partial unique index keeps such a
person to one seat. Downgrading fails while two organisations' nominations share an address.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 05:44:39.586577

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

SEATED = sa.text("status IN ('accepted', 'enrolled')")


def upgrade():
    with op.batch_alter_table('nominations', schema=None) as batch_op:
        batch_op.drop_constraint('uq_nominations_edition_id_email', type_='unique')
        batch_op.create_unique_constraint('uq_nominations_edition_id_email_organisation_id',
                                          ['edition_id', 'email', 'organisation_id'])
        batch_op.create_index('uq_nominations_edition_id_email_seated', ['edition_id', 'email'], unique=True,
                              sqlite_where=SEATED, postgresql_where=SEATED)


def downgrade():
    with op.batch_alter_table('nominations', schema=None) as batch_op:
        batch_op.drop_index('uq_nominations_edition_id_email_seated', sqlite_where=SEATED, postgresql_where=SEATED)
        batch_op.drop_constraint('uq_nominations_edition_id_email_organisation_id', type_='unique')
        batch_op.create_unique_constraint('uq_nominations_edition_id_email', ['edition_id', 'email'])
