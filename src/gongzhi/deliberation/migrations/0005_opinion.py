# Hand-kept by the opinion part of issue 4: it holds only that part's operations (see models/opinion.py).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("deliberation", "0004_cocreation")]

    operations: list[migrations.operations.base.Operation] = []
