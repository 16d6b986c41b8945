"""a wallet credential may be bound to a key of the holder's: wallet_credentials.holder_key

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:50:00

A credential received over OpenID4VCI is bound to a key the wallet made for it (the proof of
possession; an SD-JWT VC's ``cnf.jwk``). The key is kept with the credential, its private part
encrypted under the instance secret like every other private key, so a later presentation can
sign a Key Binding JWT. Imported credentials have none (null).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("wallet_credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holder_key", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("wallet_credentials", schema=None) as batch_op:
        batch_op.drop_column("holder_key")
