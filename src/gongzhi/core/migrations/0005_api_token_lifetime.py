"""API tokens get a lifetime and a revocation date. Tokens issued before this migration keep working for one full
lifetime from the migration (not from their issue, which would cut integrations off on deploy); a token revoked
before it is stamped revoked at the migration."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def stamp_existing(apps, schema_editor):
    ApiToken = apps.get_model("core", "ApiToken")
    now = timezone.now()
    ApiToken.objects.update(expires_at=now + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS))
    ApiToken.objects.filter(revoked=True).update(revoked_at=now)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0004_login_throttle"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="到期时间"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="撤销时间"),
        ),
        migrations.RunPython(stamp_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="到期时间"),
        ),
        migrations.RemoveField(
            model_name="apitoken",
            name="revoked",
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="签发时间"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="last_used_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="最近使用"),
        ),
    ]
