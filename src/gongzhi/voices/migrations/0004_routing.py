# Placeholder kept so that each part's migration has a fixed place in the chain.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("voices", "0003_workflow")]
    operations: list[migrations.operations.base.Operation] = []
