from tortoise import migrations
from tortoise.migrations import operations as ops

#: SQLite turns an integer sum that passes 2^63 into a float, silently. On the rollup, whose
#: rows are incremented by every write, that would make figures inexact; this trigger fails
#: such an update with SQLite's own "integer overflow" instead, as PostgreSQL fails it with
#: "bigint out of range". The write is then refused (BAD_USER_INPUT) and nothing is stored.
TRIGGER = """
CREATE TRIGGER IF NOT EXISTS "daily_usage_stays_exact" BEFORE UPDATE ON "daily_usage"
WHEN typeof(NEW."credits") <> 'integer' OR typeof(NEW."messages") <> 'integer'
  OR typeof(NEW."text_queries") <> 'integer' OR typeof(NEW."voice_minutes") <> 'integer'
BEGIN SELECT RAISE(ABORT, 'integer overflow'); END
"""


async def create_trigger(apps, schema_editor):
    conn = schema_editor.client
    if conn.capabilities.dialect == "sqlite":
        await conn.execute_script(TRIGGER)


async def drop_trigger(apps, schema_editor):
    conn = schema_editor.client
    if conn.capabilities.dialect == "sqlite":
        await conn.execute_script('DROP TRIGGER IF EXISTS "daily_usage_stays_exact"')


class Migration(migrations.Migration):
    dependencies = [("models", "0004_call_peaks")]

    initial = False

    operations = [
        ops.RunPython(create_trigger, drop_trigger),
    ]
