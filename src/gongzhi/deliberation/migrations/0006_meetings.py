# Hand-kept by the meetings part of issue 4: it holds only that part's operations (see models/meetings.py).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("deliberation", "0005_opinion")]

    operations: list[migrations.operations.base.Operation] = []
