# Hand-kept by the opinion part of issue 4: it holds only that part's operations (see models/opinion.py).
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("deliberation", "0004_cocreation"),
        ("people", "0003_person_community_path"),
        ("places", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='OpinionStatement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.CharField(max_length=140, verbose_name='观点')),
                ('text_key', models.CharField(max_length=140)),
                ('status', models.CharField(choices=[('pending', '待审核'), ('approved', '已通过'), ('rejected', '未通过')], default='pending', max_length=10, verbose_name='状态')),
                ('seeded', models.BooleanField(default=False)),
                ('reject_reason', models.CharField(blank=True, max_length=200, verbose_name='未通过的理由')),
                ('moderated_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('author', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('community', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.place')),
                ('moderated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('topic', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='opinion_statements', to='deliberation.topic')),
            ],
            options={
                'verbose_name': '观点',
                'verbose_name_plural': '观点',
                'ordering': ['topic_id', 'id'],
            },
        ),
        migrations.CreateModel(
            name='OpinionVote',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('stance', models.SmallIntegerField(choices=[(1, '同意'), (-1, '不同意'), (0, '跳过')], verbose_name='态度')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('community', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.place')),
                ('entered_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('person', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='people.person')),
                ('statement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='votes', to='deliberation.opinionstatement')),
                ('topic', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='deliberation.topic')),
                ('voter', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '意见地图投票',
                'verbose_name_plural': '意见地图投票',
            },
        ),
        migrations.AddConstraint(
            model_name='opinionstatement',
            constraint=models.UniqueConstraint(fields=('topic', 'text_key'), name='opinion_statement_unique_text'),
        ),
        migrations.AddIndex(
            model_name='opinionvote',
            index=models.Index(fields=['topic', 'statement'], name='opinion_vote_topic'),
        ),
        migrations.AddConstraint(
            model_name='opinionvote',
            constraint=models.UniqueConstraint(condition=models.Q(('voter__isnull', False)), fields=('statement', 'voter'), name='opinion_vote_once_per_user'),
        ),
        migrations.AddConstraint(
            model_name='opinionvote',
            constraint=models.UniqueConstraint(condition=models.Q(('person__isnull', False)), fields=('statement', 'person'), name='opinion_vote_once_per_person'),
        ),
        migrations.AddConstraint(
            model_name='opinionvote',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('person__isnull', True), ('voter__isnull', False)), models.Q(('person__isnull', False), ('voter__isnull', True)), _connector='OR'), name='opinion_vote_one_participant'),
        ),
    ]
