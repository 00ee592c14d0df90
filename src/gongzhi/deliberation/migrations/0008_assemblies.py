# Hand-kept by the assemblies part of issue 4: it holds only that part's operations (see models/assemblies.py).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("deliberation", "0007_sheets")]

    operations: list[migrations.operations.base.Operation] = []
