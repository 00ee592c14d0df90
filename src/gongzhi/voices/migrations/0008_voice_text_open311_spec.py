"""A voice's text may be empty and run to 4,000 characters: Open311's description is optional and limited to
4,000 characters by its spec. State only (a text column has no length in the database); voice_submit keeps every
other channel at 1,000 characters with a text required."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("voices", "0007_list_indexes")]

    operations = [
        migrations.AlterField(
            model_name="voice",
            name="text",
            field=models.TextField(blank=True, max_length=4000, verbose_name="内容"),
        ),
    ]
