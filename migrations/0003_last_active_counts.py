from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


async def fill_last_active(apps, schema_editor):
    """Date every conversation's last activity and rebuild each workspace's rollup."""
    from models.rollup import relocalize, rebuild_daily_usage
    from models.sql import query

    conn = schema_editor.client
    for row in await query(conn, 'SELECT "id", "timezone" FROM "workspace"'):
        await relocalize(conn, int(row["id"]), str(row["timezone"]))
        await rebuild_daily_usage(conn, int(row["id"]))

class Migration(migrations.Migration):
    dependencies = [('models', '0002_call_window_index')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Conversation',
            name='last_local_date',
            field=fields.DateField(null=True, description='The local date (workspace time zone) of last_activity_at.'),
        ),
        ops.AddField(
            model_name='DailyUsage',
            name='conversations_last_active',
            field=fields.BigIntField(default=0, db_default=0, description="Live conversations whose last activity falls on this key (the activity list's size)."),
        ),
        ops.RunPython(fill_last_active, ops.RunPython.noop),
    ]
