"""Daily call peaks kept without re-reading a day's calls (models.calls): each call's edge
slots on its conversation, each day's base and slot summaries beside its peak. The index on
(workspace_id, ended_at), which only the old re-read used, goes."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


async def fill_call_peaks(apps, schema_editor):
    """Every call's slots and every workspace's daily peaks, from its conversations."""
    from models.calls import rebuild_call_peaks
    from models.sql import query

    conn = schema_editor.client
    for row in await query(conn, 'SELECT "id", "timezone" FROM "workspace"'):
        await rebuild_call_peaks(conn, int(row["id"]), str(row["timezone"]))


async def room_for_updates(apps, schema_editor):
    """Every batch rewrites the rows of the days it touches: half of each page is left free
    so that PostgreSQL can put the new version beside the old one (a HOT update)."""
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script('ALTER TABLE "call_peak" SET (fillfactor = 50)')


class Migration(migrations.Migration):
    dependencies = [('models', '0006_event_ended_at')]

    initial = False

    operations = [
        ops.AddField(
            model_name='CallPeak',
            name='base',
            field=fields.IntField(default=0, description="Calls active at the day's local midnight.", db_default=0),
        ),
        ops.AddField(
            model_name='CallPeak',
            name='slots',
            field=fields.TextField(default='{}', description="The day's 15-minute slots with call edges: JSON {number: [total, best]}.", db_default='{}', unique=False),
        ),
        ops.RemoveIndex(
            model_name='Conversation',
            name=None,
            fields=['workspace_id', 'ended_at'],
        ),
        ops.AddField(
            model_name='Conversation',
            name='call_end_slot',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='Conversation',
            name='call_start_slot',
            field=fields.BigIntField(null=True, description='For a live PHONE call, the slots of its start and end edges (models.calls).'),
        ),
        ops.AddIndex(
            model_name='Conversation',
            index=Index(fields=['workspace_id', 'call_start_slot']),
        ),
        ops.AddIndex(
            model_name='Conversation',
            index=Index(fields=['workspace_id', 'call_end_slot']),
        ),
        ops.RunPython(room_for_updates, ops.RunPython.noop),
        ops.RunPython(fill_call_peaks, ops.RunPython.noop),
    ]
