# Hand-kept by the sheets part of issue 4: it holds only that part's operations (see models/sheets.py), and the
# per-community elevator coefficient table (models/topics.py, ElevatorCoefficients).
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import gongzhi.core.paths


class Migration(migrations.Migration):
    dependencies = [
        ("deliberation", "0006_meetings"),
        ("people", "0003_person_community_path"),
        ("places", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations: list[migrations.operations.base.Operation] = [
        migrations.CreateModel(
            name="BallotSheet",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.PositiveIntegerField()),
                ("serial_no", models.CharField(max_length=40, verbose_name="表决票编号")),
                ("token", models.CharField(max_length=32)),
                ("issued_at", models.DateTimeField(auto_now_add=True)),
                ("voided_at", models.DateTimeField(blank=True, null=True)),
                ("void_reason", models.CharField(blank=True, max_length=200, verbose_name="作废原因")),
                ("place_path", gongzhi.core.paths.PathField(db_index=True, editable=False, max_length=255)),
                (
                    "community",
                    models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="places.place"),
                ),
                (
                    "household",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="places.household"
                    ),
                ),
                (
                    "issued_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "replaces",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="replaced_by",
                        to="deliberation.ballotsheet",
                    ),
                ),
                (
                    "topic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="sheets", to="deliberation.topic"
                    ),
                ),
                (
                    "voter",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="people.person",
                        verbose_name="业主",
                    ),
                ),
            ],
            options={
                "verbose_name": "表决票",
                "verbose_name_plural": "表决票",
                "ordering": ["topic_id", "seq"],
                "constraints": [
                    models.UniqueConstraint(fields=("topic", "serial_no"), name="sheet_serial_unique"),
                    models.UniqueConstraint(fields=("topic", "seq"), name="sheet_seq_unique"),
                    models.UniqueConstraint(
                        condition=models.Q(("voided_at__isnull", True)),
                        fields=("topic", "household"),
                        name="one_live_sheet_per_household",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ElevatorCoefficients",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "coefficients",
                    models.JSONField(help_text="楼层 → 系数，一楼通常为0", verbose_name="楼层分摊系数"),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "community",
                    models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="places.place"),
                ),
            ],
            options={
                "verbose_name": "加装电梯分摊系数表",
                "verbose_name_plural": "加装电梯分摊系数表",
                "constraints": [
                    models.UniqueConstraint(fields=("community",), name="one_coefficient_table_per_community")
                ],
            },
        ),
    ]
