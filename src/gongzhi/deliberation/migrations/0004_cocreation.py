# Hand-kept by the cocreation part of issue 4: it holds only that part's operations (see models/cocreation.py).
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("deliberation", "0003_procedures"),
        ("places", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Cluster",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=40, verbose_name="类别")),
                ("position", models.PositiveIntegerField(verbose_name="顺序")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "community",
                    models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="places.place"),
                ),
                (
                    "topic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="clusters", to="deliberation.topic"
                    ),
                ),
            ],
            options={
                "verbose_name": "想法类别",
                "verbose_name_plural": "想法类别",
                "ordering": ["position", "id"],
            },
        ),
        migrations.CreateModel(
            name="ActionItem",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=100, verbose_name="行动")),
                (
                    "owner",
                    models.CharField(
                        help_text="姓名或角色，如“楼栋长韩师傅”“物业”", max_length=50, verbose_name="负责人"
                    ),
                ),
                ("due", models.DateField(verbose_name="完成期限")),
                (
                    "status",
                    models.CharField(
                        choices=[("planned", "计划中"), ("in_progress", "进行中"), ("done", "已完成")],
                        default="planned",
                        max_length=12,
                        verbose_name="进展",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "community",
                    models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="places.place"),
                ),
                (
                    "topic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="action_items",
                        to="deliberation.topic",
                    ),
                ),
                (
                    "cluster",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="deliberation.cluster",
                    ),
                ),
            ],
            options={
                "verbose_name": "行动计划",
                "verbose_name_plural": "行动计划",
                "ordering": ["due", "id"],
            },
        ),
        migrations.CreateModel(
            name="CocreationSession",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("dots_per_person", models.PositiveSmallIntegerField(default=5, verbose_name="每人点数")),
                (
                    "max_per_cluster",
                    models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="每个类别每人最多点数"),
                ),
                ("top", models.PositiveSmallIntegerField(default=3, verbose_name="进入行动计划的类别数")),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "community",
                    models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="places.place"),
                ),
                (
                    "topic",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="cocreation", to="deliberation.topic"
                    ),
                ),
            ],
            options={
                "verbose_name": "团队共创",
                "verbose_name_plural": "团队共创",
            },
        ),
        migrations.CreateModel(
            name="Dot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("withdrawn_at", models.DateTimeField(blank=True, null=True)),
                (
                    "cluster",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="dots", to="deliberation.cluster"
                    ),
                ),
                (
                    "community",
                    models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="places.place"),
                ),
                (
                    "participant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "topic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="dots", to="deliberation.topic"
                    ),
                ),
            ],
            options={
                "verbose_name": "投点",
                "verbose_name_plural": "投点",
            },
        ),
        migrations.CreateModel(
            name="Idea",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("body", models.CharField(max_length=200, verbose_name="想法")),
                (
                    "source",
                    models.CharField(
                        choices=[("online", "网上提交"), ("offline", "线下收集")],
                        default="online",
                        max_length=10,
                        verbose_name="来源",
                    ),
                ),
                ("on_behalf_of", models.CharField(blank=True, max_length=50, verbose_name="提出人")),
                ("hidden", models.BooleanField(default=False)),
                ("hidden_reason", models.CharField(blank=True, max_length=200)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "cluster",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ideas",
                        to="deliberation.cluster",
                    ),
                ),
                (
                    "community",
                    models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="places.place"),
                ),
                (
                    "topic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="ideas", to="deliberation.topic"
                    ),
                ),
            ],
            options={
                "verbose_name": "想法",
                "verbose_name_plural": "想法",
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.AddConstraint(
            model_name="cluster",
            constraint=models.UniqueConstraint(fields=("topic", "name"), name="cluster_name_unique"),
        ),
        migrations.AddConstraint(
            model_name="cluster",
            constraint=models.UniqueConstraint(fields=("topic", "position"), name="cluster_position_unique"),
        ),
        migrations.AddIndex(
            model_name="dot",
            index=models.Index(
                condition=models.Q(("withdrawn_at__isnull", True)),
                fields=["topic", "participant"],
                name="dot_live_by_person",
            ),
        ),
    ]
