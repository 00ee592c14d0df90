# Reserved for the part that owns it (docs/ARCHITECTURE.md); operations are added by hand, in order.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("timebank", "0004_activities")]
    operations = [
        # A revoked certificate says why (the holder and the trainer ask).
        migrations.AddField(
            model_name="certificate",
            name="revoke_reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="注销原因"),
        ),
    ]
