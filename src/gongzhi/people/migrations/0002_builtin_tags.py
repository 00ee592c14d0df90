from django.db import migrations

BUILTIN = [
    ("party", "党员", "party"),
    ("living_alone", "独居", ""),
    ("disability", "残疾", "disability"),
    ("low_income", "低保", "low_income"),
    ("veteran", "退役军人", ""),
]


def forwards(apps, schema_editor):
    Tag = apps.get_model("people", "Tag")
    for key, name, sensitive_as in BUILTIN:
        Tag.objects.get_or_create(community=None, key=key, defaults={"name": name, "sensitive_as": sensitive_as})


def backwards(apps, schema_editor):
    apps.get_model("people", "Tag").objects.filter(community=None, key__in=[k for k, _n, _s in BUILTIN]).delete()


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
