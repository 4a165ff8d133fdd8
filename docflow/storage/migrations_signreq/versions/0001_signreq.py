"""The signing requests of own mode (``sign_requests``), their files (``sign_request_files``:
the prepared PDF and its metadata, the signed PDF), API tokens, people's IINs and login nonces.

A home made by an older docflow already has the four first tables in
``.docflow/sign-requests.sqlite``, created there without migrations and with the same columns
(``api_tokens`` perhaps without ``expires``/``revoked``, added later): they are adopted as they
are (this revision only creates what is missing), so open requests, tokens and IINs keep
working. Their PDFs, then on disk in ``.docflow/sign-requests/<id>/``, are moved into
``sign_request_files`` by ``docflow.signreq.SignRequests`` when it opens the store.

Revision ID: sreq0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "sreq0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    existing = set(inspector.get_table_names())
    if "sign_requests" not in existing:
        op.create_table(
            "sign_requests",
            sa.Column("id", sa.Text, primary_key=True),
            sa.Column("document", sa.Text, nullable=False),
            sa.Column("field", sa.Text, nullable=False),
            sa.Column("role", sa.Text),
            sa.Column("expected_iin", sa.Text, nullable=False),
            sa.Column("signer_name", sa.Text, nullable=False),
            sa.Column("locale", sa.Text, nullable=False),
            sa.Column("created", sa.Text, nullable=False),
            sa.Column("expires", sa.Text, nullable=False),
            sa.Column("state", sa.Text, nullable=False),
            sa.Column("last_refusal", sa.Text),
            sa.Column("completed", sa.Text),
            sa.Column("signed_sha256", sa.Text),
        )
    indexes = (
        {i["name"] for i in inspector.get_indexes("sign_requests")}
        if "sign_requests" in existing
        else set()
    )
    if "sign_requests_iin" not in indexes:
        op.create_index("sign_requests_iin", "sign_requests", ["expected_iin", "state"])
    if "sign_request_files" not in existing:
        op.create_table(
            "sign_request_files",
            sa.Column("request_id", sa.Text, primary_key=True),
            sa.Column("name", sa.Text, primary_key=True),
            sa.Column("data", sa.LargeBinary, nullable=False),
        )
    if "api_tokens" not in existing:
        op.create_table(
            "api_tokens",
            sa.Column("token_sha256", sa.Text, primary_key=True),
            sa.Column("user_name", sa.Text, nullable=False),
            sa.Column("created", sa.Text, nullable=False),
            sa.Column("expires", sa.Text),
            sa.Column("revoked", sa.Text),
        )
    else:  # tokens made before they expired or could be revoked
        columns = {c["name"] for c in inspector.get_columns("api_tokens")}
        for name in ("expires", "revoked"):
            if name not in columns:
                op.add_column("api_tokens", sa.Column(name, sa.Text))
    if "user_iins" not in existing:
        op.create_table(
            "user_iins",
            sa.Column("user_name", sa.Text, primary_key=True),
            sa.Column("iin", sa.Text, nullable=False),
        )
    if "login_nonces" not in existing:
        op.create_table(
            "login_nonces",
            sa.Column("nonce_sha256", sa.Text, primary_key=True),
            sa.Column("created", sa.Float, nullable=False),
            sa.Column("used", sa.Integer, nullable=False, server_default="0"),
        )


def downgrade() -> None:
    raise NotImplementedError("the signing requests' tables are never dropped by a migration")
