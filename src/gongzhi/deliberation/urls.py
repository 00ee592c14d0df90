"""The 议事厅's routes, every one of them: topics, 团队共创, opinion maps, meetings, councils and ballot sheets.

URL names and paths are what templates, the permission matrix and printed QR codes use: never change them."""

from django.urls import URLPattern, path

from gongzhi.deliberation.views import assemblies, cocreation, meetings, opinion, sheets, topics

app_name = "deliberation"

TOPIC = "c/<int:community_id>/topics/<int:topic_id>"
COCREATION = f"{TOPIC}/cocreation"
OPINION = f"{TOPIC}/opinion/"
MEETINGS = "c/<int:community_id>/meetings/"

urlpatterns: list[URLPattern] = [
    # Topics: the hall, one topic, its lifecycle steps, ballots and result.
    path("c/<int:community_id>/topics/", topics.hall, name="hall"),
    path("c/<int:community_id>/topics/hot/", topics.hot_archive, name="hot_archive"),
    path("c/<int:community_id>/topics/new/", topics.propose, name="propose"),
    path(f"{TOPIC}/", topics.topic_detail, name="topic"),
    path(f"{TOPIC}/comment/", topics.topic_comment, name="comment"),
    path(f"{TOPIC}/vote/", topics.topic_vote, name="vote"),
    path(f"{TOPIC}/step/<slug:step>/", topics.topic_step, name="step"),
    path(f"{TOPIC}/ballots/", topics.topic_ballots, name="ballots"),
    path(f"{TOPIC}/ballots/<int:ballot_id>/evidence/", topics.ballot_evidence, name="ballot_evidence"),
    path(f"{TOPIC}/result/", topics.topic_result, name="result"),
    # 团队共创
    path(f"{COCREATION}/ideas/", cocreation.idea_add, name="cocreation_idea"),
    path(f"{COCREATION}/dots/", cocreation.dot, name="cocreation_dot"),
    path(f"{COCREATION}/board/", cocreation.board, name="cocreation_board"),
    path(f"{COCREATION}/plan/", cocreation.plan, name="cocreation_plan"),
    # Opinion maps
    path(OPINION, opinion.opinion_answer, name="opinion"),
    path(f"{OPINION}vote/", opinion.opinion_vote, name="opinion_vote"),
    path(f"{OPINION}statements/", opinion.opinion_statement, name="opinion_statement"),
    path(f"{OPINION}map/", opinion.opinion_map, name="opinion_map"),
    path(f"{OPINION}moderate/", opinion.opinion_moderate, name="opinion_moderate"),
    path(f"{OPINION}paper/", opinion.opinion_paper, name="opinion_paper"),
    # Meetings
    path(MEETINGS, meetings.meeting_list, name="meetings"),
    path(MEETINGS + "new/", meetings.schedule, name="meeting_schedule"),
    path(MEETINGS + "register.xlsx", meetings.register_export, name="meeting_register"),
    path(MEETINGS + "signin/<str:token>/", meetings.sign_in, name="meeting_signin"),
    path(MEETINGS + "<int:meeting_id>/", meetings.meeting_detail, name="meeting"),
    path(MEETINGS + "<int:meeting_id>/poster/", meetings.poster, name="meeting_poster"),
    path(MEETINGS + "<int:meeting_id>/attendance/", meetings.attendance, name="meeting_attendance"),
    path(MEETINGS + "<int:meeting_id>/minutes/", meetings.minutes, name="meeting_minutes"),
    path(MEETINGS + "<int:meeting_id>/suggestions/", meetings.suggestions, name="meeting_suggestions"),
    path(
        MEETINGS + "<int:meeting_id>/suggestions/<int:suggestion_id>/respond/",
        meetings.suggestion_respond,
        name="meeting_suggestion_respond",
    ),
    path(MEETINGS + "<int:meeting_id>/held/", meetings.meeting_held, name="meeting_held"),
    path(MEETINGS + "<int:meeting_id>/cancel/", meetings.meeting_cancel, name="meeting_cancel"),
    path(MEETINGS + "<int:meeting_id>/export.xlsx", meetings.meeting_export, name="meeting_export"),
    # 议事会 and 村民代表会议: rosters and resolutions
    path("c/<int:community_id>/bodies/", assemblies.body_list, name="assembly_bodies"),
    path("c/<int:community_id>/bodies/<int:body_id>/", assemblies.body_detail, name="assembly_body"),
    path(f"{TOPIC}/resolutions/new/", assemblies.resolution_new, name="assembly_resolution_new"),
    path(
        "c/<int:community_id>/resolutions/<int:resolution_id>/",
        assemblies.resolution_detail,
        name="assembly_resolution",
    ),
    # Ballot sheets and notices (owners' votes)
    path(f"{TOPIC}/sheets/", sheets.sheets_page, name="sheets"),
    path(f"{TOPIC}/sheets/issue/", sheets.sheets_issue, name="sheets_issue"),
    path(f"{TOPIC}/sheets/print.pdf", sheets.sheets_pdf, name="sheets_pdf"),
    path(f"{TOPIC}/sheets/<int:sheet_id>/reissue/", sheets.sheet_reissue, name="sheet_reissue"),
    path(f"{TOPIC}/notice.pdf", sheets.notice_pdf, name="notice"),
    path("c/<int:community_id>/topics/elevator-coefficients/", sheets.coefficients_page, name="elevator_coefficients"),
]
