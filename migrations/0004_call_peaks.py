from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

async def fill_call_peaks(apps, schema_editor):
    """Nothing: 0006 fills the peaks, once the columns their upkeep needs exist (the code
    that filled them here needs those columns now)."""


class Migration(migrations.Migration):
    dependencies = [('models', '0003_last_active_counts')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CallPeak',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('workspace', fields.ForeignKeyField('models.Workspace', source_field='workspace_id', db_constraint=True, to_field='id', related_name='call_peaks', on_delete=OnDelete.CASCADE)),
                ('local_date', fields.DateField()),
                ('assistant_id', fields.IntField(description='0 for all assistants together.')),
                ('peak', fields.IntField()),
            ],
            options={'table': 'call_peak', 'app': 'models', 'unique_together': (('workspace_id', 'assistant_id', 'local_date'),), 'pk_attr': 'id', 'table_description': 'The most live PHONE calls active at one instant of a local day, for all assistants'},
            bases=['Model'],
        ),
        ops.RunPython(fill_call_peaks, ops.RunPython.noop),
    ]
