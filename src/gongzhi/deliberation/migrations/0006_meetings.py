# Hand-kept by the meetings part of issue 4: it holds only that part's operations (see models/meetings.py).
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import gongzhi.core.paths
import gongzhi.deliberation.models.meetings


class Migration(migrations.Migration):
    dependencies = [
        ("deliberation", "0005_opinion"),
        ("people", "0003_person_community_path"),
        ("places", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Meeting",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("place_path", gongzhi.core.paths.PathField(db_index=True, editable=False, max_length=255)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("bazaba", "坝坝会"),
                            ("night_talk", "院落夜话"),
                            ("council", "议事会会议"),
                            ("villagers", "村民会议"),
                            ("village_reps", "村民代表会议"),
                            ("other", "其他会议"),
                        ],
                        max_length=20,
                        verbose_name="会议类型",
                    ),
                ),
                ("title", models.CharField(max_length=100, verbose_name="会议主题")),
                ("starts_at", models.DateTimeField(verbose_name="开始时间")),
                ("location", models.CharField(max_length=100, verbose_name="地点")),
                (
                    "status",
                    models.CharField(
                        choices=[("scheduled", "待召开"), ("held", "已召开"), ("cancelled", "已取消")],
                        default="scheduled",
                        max_length=12,
                        verbose_name="状态",
                    ),
                ),
                ("minutes", models.TextField(blank=True, max_length=20000, verbose_name="会议纪要")),
                ("minutes_at", models.DateTimeField(blank=True, null=True)),
                (
                    "signin_token",
                    models.CharField(
                        default=gongzhi.deliberation.models.meetings.new_signin_token,
                        editable=False,
                        max_length=43,
                        unique=True,
                    ),
                ),
                ("cancel_reason", models.CharField(blank=True, max_length=200, verbose_name="取消原因")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "community",
                    models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="places.place"),
                ),
                (
                    "convened_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "minutes_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "place",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="places.place",
                        verbose_name="范围",
                    ),
                ),
                (
                    "topic",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="meetings",
                        to="deliberation.topic",
                        verbose_name="相关议题",
                    ),
                ),
            ],
            options={
                "verbose_name": "会议",
                "verbose_name_plural": "会议",
                "ordering": ["-starts_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="Attendance",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(blank=True, max_length=50, verbose_name="姓名")),
                (
                    "method",
                    models.CharField(
                        choices=[("qr", "扫码签到"), ("staff", "工作人员代签")], max_length=10, verbose_name="签到方式"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "community",
                    models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="places.place"),
                ),
                (
                    "household",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="places.household",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="people.person",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="attendances",
                        to="deliberation.meeting",
                    ),
                ),
            ],
            options={
                "verbose_name": "签到",
                "verbose_name_plural": "签到",
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="Suggestion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("body", models.TextField(max_length=1000, verbose_name="建议")),
                ("raised_by", models.CharField(blank=True, max_length=50, verbose_name="提出人")),
                ("category", models.CharField(blank=True, max_length=20, verbose_name="类别")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "待处理"),
                            ("adopted", "已采纳"),
                            ("topic", "已转议题"),
                            ("answered", "已答复"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="处理状态",
                    ),
                ),
                ("response", models.TextField(blank=True, max_length=1000, verbose_name="答复")),
                ("responded_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "community",
                    models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="places.place"),
                ),
                (
                    "entered_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="suggestions",
                        to="deliberation.meeting",
                    ),
                ),
                (
                    "responded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "topic",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="deliberation.topic",
                    ),
                ),
            ],
            options={
                "verbose_name": "会议建议",
                "verbose_name_plural": "会议建议",
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.AddIndex(
            model_name="meeting",
            index=models.Index(fields=["community", "starts_at"], name="meeting_community_starts"),
        ),
        migrations.AddConstraint(
            model_name="attendance",
            constraint=models.UniqueConstraint(
                condition=models.Q(("person__isnull", False)),
                fields=("meeting", "person"),
                name="one_attendance_per_person",
            ),
        ),
    ]
