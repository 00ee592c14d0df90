# Hand-kept by the assemblies part of issue 4: it holds only that part's operations (see models/assemblies.py).
import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import gongzhi.core.paths


class Migration(migrations.Migration):
    dependencies = [
        ("deliberation", "0007_sheets"),
        ("people", "0003_person_community_path"),
        ("places", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Body",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("place_path", gongzhi.core.paths.PathField(db_index=True, editable=False, max_length=255)),
                (
                    "kind",
                    models.CharField(
                        choices=[("council", "议事会"), ("village_reps", "村民代表会议")],
                        max_length=20,
                        verbose_name="类别",
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="名称")),
                (
                    "quorum_numerator",
                    models.PositiveSmallIntegerField(
                        default=1, validators=[django.core.validators.MinValueValidator(1)]
                    ),
                ),
                (
                    "quorum_denominator",
                    models.PositiveSmallIntegerField(
                        default=2, validators=[django.core.validators.MinValueValidator(1)]
                    ),
                ),
                ("quorum_strict", models.BooleanField(default=True)),
                (
                    "majority_numerator",
                    models.PositiveSmallIntegerField(
                        default=1, validators=[django.core.validators.MinValueValidator(1)]
                    ),
                ),
                (
                    "majority_denominator",
                    models.PositiveSmallIntegerField(
                        default=2, validators=[django.core.validators.MinValueValidator(1)]
                    ),
                ),
                ("majority_strict", models.BooleanField(default=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "community",
                    models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="places.place"),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
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
            ],
            options={
                "verbose_name": "议事机构",
                "verbose_name_plural": "议事机构",
                "ordering": ["place_path", "kind", "id"],
            },
        ),
        migrations.CreateModel(
            name="BodyMember",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "role",
                    models.CharField(
                        choices=[("member", "成员"), ("convener", "召集人")],
                        default="member",
                        max_length=10,
                        verbose_name="职务",
                    ),
                ),
                ("since", models.DateField(verbose_name="任职起始")),
                ("until", models.DateField(blank=True, null=True, verbose_name="任职终止")),
                ("end_reason", models.CharField(blank=True, max_length=200, verbose_name="终止原因")),
                ("place_path", gongzhi.core.paths.PathField(db_index=True, editable=False, max_length=255)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "added_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "body",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="members", to="deliberation.body"
                    ),
                ),
                (
                    "community",
                    models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="places.place"),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="people.person",
                        verbose_name="成员",
                    ),
                ),
            ],
            options={
                "verbose_name": "议事机构成员",
                "verbose_name_plural": "议事机构成员",
                "ordering": ["body_id", "until", "id"],
            },
        ),
        migrations.CreateModel(
            name="Resolution",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=20, verbose_name="会议类型")),
                ("text", models.TextField(max_length=2000, verbose_name="决议事项")),
                ("place_path", gongzhi.core.paths.PathField(db_index=True, editable=False, max_length=255)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "body",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="resolutions",
                        to="deliberation.body",
                    ),
                ),
                (
                    "community",
                    models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="places.place"),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="resolutions",
                        to="deliberation.meeting",
                    ),
                ),
                (
                    "topic",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="resolutions",
                        to="deliberation.topic",
                    ),
                ),
            ],
            options={
                "verbose_name": "会议决议",
                "verbose_name_plural": "会议决议",
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="MemberVote",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "choice",
                    models.CharField(
                        choices=[("agree", "同意"), ("disagree", "反对"), ("abstain", "弃权")],
                        max_length=10,
                        verbose_name="表决意见",
                    ),
                ),
                ("place_path", gongzhi.core.paths.PathField(db_index=True, editable=False, max_length=255)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("voided_at", models.DateTimeField(blank=True, null=True)),
                ("void_reason", models.CharField(blank=True, max_length=200, verbose_name="作废原因")),
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
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="deliberation.bodymember"
                    ),
                ),
                (
                    "voided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "resolution",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="member_votes",
                        to="deliberation.resolution",
                    ),
                ),
            ],
            options={
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="VoteCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("agree", models.PositiveIntegerField(verbose_name="同意")),
                ("disagree", models.PositiveIntegerField(verbose_name="反对")),
                ("abstain", models.PositiveIntegerField(verbose_name="弃权")),
                ("present", models.PositiveIntegerField(verbose_name="到会人数")),
                ("place_path", gongzhi.core.paths.PathField(db_index=True, editable=False, max_length=255)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("voided_at", models.DateTimeField(blank=True, null=True)),
                ("void_reason", models.CharField(blank=True, max_length=200, verbose_name="作废原因")),
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
                    "resolution",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="vote_counts",
                        to="deliberation.resolution",
                    ),
                ),
                (
                    "voided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.AddConstraint(
            model_name="body",
            constraint=models.UniqueConstraint(fields=("place", "kind"), name="one_body_of_a_kind_per_place"),
        ),
        migrations.AddConstraint(
            model_name="bodymember",
            constraint=models.UniqueConstraint(
                condition=models.Q(("until__isnull", True)), fields=("body", "person"), name="one_open_term_per_member"
            ),
        ),
        migrations.AddConstraint(
            model_name="membervote",
            constraint=models.UniqueConstraint(
                condition=models.Q(("voided_at__isnull", True)),
                fields=("resolution", "member"),
                name="one_live_vote_per_member",
            ),
        ),
        migrations.AddConstraint(
            model_name="votecount",
            constraint=models.UniqueConstraint(
                condition=models.Q(("voided_at__isnull", True)),
                fields=("resolution",),
                name="one_live_count_per_resolution",
            ),
        ),
    ]
