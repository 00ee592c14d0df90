from django.urls import path

from gongzhi.deliberation import views
from gongzhi.deliberation.views import assemblies, cocreation, meetings, opinion, sheets

app_name = "deliberation"
urlpatterns = [
    path("c/<int:community_id>/topics/", views.hall, name="hall"),
    path("c/<int:community_id>/topics/hot/", views.hot_archive, name="hot_archive"),
    path("c/<int:community_id>/topics/new/", views.propose, name="propose"),
    path("c/<int:community_id>/topics/<int:topic_id>/", views.topic_detail, name="topic"),
    path("c/<int:community_id>/topics/<int:topic_id>/comment/", views.topic_comment, name="comment"),
    path("c/<int:community_id>/topics/<int:topic_id>/vote/", views.topic_vote, name="vote"),
    path("c/<int:community_id>/topics/<int:topic_id>/step/<slug:step>/", views.topic_step, name="step"),
    path("c/<int:community_id>/topics/<int:topic_id>/ballots/", views.topic_ballots, name="ballots"),
    path(
        "c/<int:community_id>/topics/<int:topic_id>/ballots/<int:ballot_id>/evidence/",
        views.ballot_evidence,
        name="ballot_evidence",
    ),
    path("c/<int:community_id>/topics/<int:topic_id>/result/", views.topic_result, name="result"),
    *cocreation.urlpatterns,
    *opinion.urlpatterns,
    *meetings.urlpatterns,
    *assemblies.urlpatterns,
    *sheets.urlpatterns,
]
