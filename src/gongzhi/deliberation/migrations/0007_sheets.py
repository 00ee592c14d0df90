# Hand-kept by the sheets part of issue 4: it holds only that part's operations (see models/sheets.py).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("deliberation", "0006_meetings")]

    operations: list[migrations.operations.base.Operation] = []
