# Reserved for the part that owns it (docs/ARCHITECTURE.md); operations are added by hand, in order.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("timebank", "0003_parts")]
    operations: list[migrations.operations.base.Operation] = []
