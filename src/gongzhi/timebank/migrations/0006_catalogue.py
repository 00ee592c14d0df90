# Reserved for the part that owns it (docs/ARCHITECTURE.md); operations are added by hand, in order.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("timebank", "0005_exchange_skills_stamps")]
    operations: list[migrations.operations.base.Operation] = []
