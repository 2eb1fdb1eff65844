"""Each event keeps the endedAt it sent, so a reused idempotency key can be compared with
everything the key names. Events stored before this migration get `ended_at_known = false`:
what they sent is unknown, so their endedAt is never compared (docs/decisions.md)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_exact_rollup')]

    initial = False

    operations = [
        ops.AddField(
            model_name='UsageEvent',
            name='ended_at',
            field=fields.DatetimeField(null=True, description='The endedAt this event sent (part of what its idempotency key names).', auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='UsageEvent',
            name='ended_at_known',
            field=fields.BooleanField(default=True, description='False for events stored before endedAt was kept per event: theirs is not compared.', db_default=False),
        ),
    ]
