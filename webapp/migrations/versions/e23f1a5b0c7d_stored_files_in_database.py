"""stored_files: every file the app writes at run time, in the database (issue 23)

Revision ID: e23f1a5b0c7d
Revises: e21c4a7b9d10
Create Date: 2026-12-05 21:00:00.000000

Photos, logos, imported overlays and uploads waiting for confirmation were files in the app's
``instance/`` folder, seen by one machine only. They become rows of ``stored_files`` (name,
content type, size, SHA-256, when written, the bytes), and the files this machine holds are
copied in. Nothing is deleted: each folder is renamed ``<folder>.moved-to-database`` once its
files are in, and every other server copies its own at its next start
(``webapp.store.files.adopt_instance_files``). The downgrade writes the files back out.
"""
import datetime as dt
import hashlib
import mimetypes
import re
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e23f1a5b0c7d'
down_revision = 'e21c4a7b9d10'
branch_labels = None
depends_on = None

#: Frozen copy of webapp.store.files.LEGACY as it was when this migration was written.
FOLDERS = (("PHOTOS_DIR", "photos", "photos/", r"^[0-9a-f]{32}\.(?:jpg|png|webp)$"),
           ("LAYERS_INSTANCE_DIR", "layers", "overlays/", r"^[a-z0-9][a-z0-9_-]{0,63}\.(?:geojson|json)$"),
           (None, "imports", "imports/", r"^[A-Za-z0-9_-]{32}\.(?:upload|json)$"))


def _folders():
    """This machine's instance folders (only known inside the Flask app that runs the upgrade)."""
    try:
        from flask import current_app

        config, instance = current_app.config, Path(current_app.instance_path)
    except RuntimeError:  # alembic run on its own: no instance folder to read
        return []
    return [(Path(config.get(key) or instance / sub) if key else instance / sub, prefix, re.compile(pattern))
            for key, sub, prefix, pattern in FOLDERS]


def _type(name):
    if name.endswith(".geojson"):
        return "application/geo+json"
    if name.endswith(".json"):
        return "application/json"
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def upgrade():
    table = op.create_table(
        'stored_files',
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    bind = op.get_bind()
    for folder, prefix, pattern in _folders():
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.iterdir() if p.is_file() and pattern.match(p.name)):
            data = path.read_bytes()
            bind.execute(table.insert().values(
                name=prefix + path.name, content_type=_type(path.name), size=len(data),
                sha256=hashlib.sha256(data).hexdigest(), data=data,
                created_at=dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(tzinfo=None)))
    # The folders are renamed by the app after this transaction commits (adopt_instance_files
    # finds every file already stored and only renames): a failed upgrade leaves them in place.


def downgrade():
    bind = op.get_bind()
    for folder, prefix, _pattern in _folders():
        rows = bind.execute(sa.text("SELECT name, data FROM stored_files WHERE name LIKE :p"),
                            {"p": prefix + "%"})
        for name, data in rows:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / name[len(prefix):]
            if not target.exists():
                target.write_bytes(bytes(data))
    op.drop_table('stored_files')
