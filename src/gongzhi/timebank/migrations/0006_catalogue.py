# Reserved for the part that owns it (docs/ARCHITECTURE.md); operations are added by hand, in order.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("timebank", "0005_exchange_skills_stamps")]
    operations: list[migrations.operations.base.Operation] = [
        migrations.AddIndex(
            model_name="redemption",
            index=models.Index(fields=["created_by", "-created_at"], name="timebank_redemption_mine"),
        ),
    ]
