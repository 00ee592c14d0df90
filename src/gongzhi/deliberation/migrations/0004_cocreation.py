# Hand-kept by the cocreation part of issue 4: it holds only that part's operations (see models/cocreation.py).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("deliberation", "0003_procedures")]

    operations: list[migrations.operations.base.Operation] = []
