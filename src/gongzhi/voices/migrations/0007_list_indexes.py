"""Indexes for the voice lists at 100,000 voices (inbox newest first, per-status and overdue counts, repeated
complaints, the public list, my voices) and the similarity part's (community, updated_at)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("voices", "0006_open311")]

    operations = [
        migrations.AddIndex(
            model_name="voice",
            index=models.Index(fields=["community", "created_at", "id"], name="voice_community_created"),
        ),
        migrations.AddIndex(
            model_name="voice",
            index=models.Index(fields=["community", "due_at", "id"], name="voice_community_due_order"),
        ),
        migrations.AddIndex(
            model_name="voice",
            index=models.Index(
                fields=["community", "support_count", "created_at", "id"], name="voice_community_support"
            ),
        ),
        migrations.AddIndex(
            model_name="voice",
            index=models.Index(fields=["community", "status", "is_open"], name="voice_community_status"),
        ),
        migrations.AddIndex(
            model_name="voice",
            index=models.Index(fields=["community", "is_open", "due_at"], name="voice_community_due"),
        ),
        migrations.AddIndex(
            model_name="voice",
            index=models.Index(
                condition=models.Q(("is_public", True), ("merged_into__isnull", True)),
                fields=["community", "created_at", "id"],
                name="voice_public_created",
            ),
        ),
        migrations.AddIndex(
            model_name="voice",
            index=models.Index(
                condition=models.Q(("is_open", True), ("merged_into__isnull", True)),
                fields=["community", "place", "category", "support_count"],
                name="voice_open_groups",
            ),
        ),
        migrations.AddIndex(
            model_name="voice",
            index=models.Index(fields=["reporter", "community"], name="voice_reporter_community"),
        ),
        migrations.AddIndex(
            model_name="voice",
            index=models.Index(fields=["community", "updated_at"], name="voice_community_updated"),
        ),
    ]
