"""Each workspace's version, bumped by every write that changes its figures (models/changes.py)."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0007_incremental_call_peaks")]

    initial = False

    operations = [
        ops.CreateModel(
            name="WorkspaceVersion",
            fields=[
                ("workspace", fields.OneToOneField("models.Workspace", source_field="workspace_id", db_constraint=True, to_field="id", related_name="version", on_delete=OnDelete.CASCADE, primary_key=True)),
                ("version", fields.BigIntField(default=0)),
            ],
            options={"table": "workspace_version", "app": "models", "pk_attr": "workspace", "table_description": "Each workspace's version."},
            bases=["Model"],
        ),
    ]
