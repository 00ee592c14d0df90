from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("timebank", "0003_parts")]
    operations = [
        migrations.AddIndex(
            model_name="servicerecord",
            index=models.Index(
                fields=["community", "status", "service_date", "service_type", "grid_path", "team", "minutes"],
                name="timebank_record_stats",
            ),
        ),
    ]
