"""The time bank's routes, all in one place: `/c/<community>/timebank/...` pages per part, and the street's
pages under `/s/<street>/timebank/`. The URL names are what templates and the permission matrix use; never change
one."""

from django.urls import path

from gongzhi.timebank.views import activities, catalogue, exchange, ledger, records, skills, stamps, stats, volunteers

app_name = "timebank"
urlpatterns = [
    # ledger
    path("c/<int:community_id>/timebank/", ledger.home, name="home"),
    path("c/<int:community_id>/timebank/gift/", ledger.gift, name="gift"),
    path("c/<int:community_id>/timebank/cards/<int:account_id>/spend/", ledger.card_spend, name="card_spend"),
    path("c/<int:community_id>/timebank/accounts/", ledger.accounts, name="accounts"),
    path("c/<int:community_id>/timebank/accounts/new/", ledger.account_new, name="account_new"),
    path("c/<int:community_id>/timebank/accounts/<int:account_id>/", ledger.account_detail, name="account_detail"),
    path("c/<int:community_id>/timebank/accounts/<int:account_id>/people/", ledger.card_people, name="card_people"),
    path(
        "c/<int:community_id>/timebank/accounts/<int:account_id>/adjust/", ledger.account_adjust, name="account_adjust"
    ),
    path(
        "c/<int:community_id>/timebank/transactions/<int:transaction_id>/reverse/",
        ledger.transaction_reverse,
        name="transaction_reverse",
    ),
    path("s/<int:street_id>/timebank/settlement/", ledger.street_settlement, name="street_settlement"),
    path(
        "s/<int:street_id>/timebank/settlement/export.xlsx",
        ledger.street_settlement_export,
        name="street_settlement_export",
    ),
    path("s/<int:street_id>/timebank/settings/", ledger.street_settings, name="street_settings"),
    # activities
    path("c/<int:community_id>/timebank/activities/", activities.activity_list, name="activity_list"),
    path("c/<int:community_id>/timebank/activities/new/", activities.activity_new, name="activity_new"),
    path(
        "c/<int:community_id>/timebank/activities/<int:activity_id>/",
        activities.activity_detail,
        name="activity_detail",
    ),
    path(
        "c/<int:community_id>/timebank/activities/<int:activity_id>/cancel/",
        activities.activity_cancel,
        name="activity_cancel",
    ),
    path(
        "c/<int:community_id>/timebank/activities/<int:activity_id>/extend/",
        activities.activity_extend,
        name="activity_extend",
    ),
    path("c/<int:community_id>/timebank/sessions/<int:session_id>/", activities.session_detail, name="session_detail"),
    path(
        "c/<int:community_id>/timebank/sessions/<int:session_id>/signup/",
        activities.session_signup,
        name="session_signup",
    ),
    path("c/<int:community_id>/timebank/sessions/<int:session_id>/scan/", activities.session_scan, name="session_scan"),
    path(
        "c/<int:community_id>/timebank/sessions/<int:session_id>/paper/", activities.session_paper, name="session_paper"
    ),
    path(
        "c/<int:community_id>/timebank/signups/<int:signup_id>/cancel/", activities.signup_cancel, name="signup_cancel"
    ),
    path("c/<int:community_id>/timebank/my-code/", activities.my_code, name="my_code"),
    path("c/<int:community_id>/timebank/my-code/rotate/", activities.my_code_rotate, name="my_code_rotate"),
    path("c/<int:community_id>/timebank/my-activities/", activities.my_activities, name="my_activities"),
    path(
        "c/<int:community_id>/timebank/my-activities/<int:record_id>/dispute/",
        activities.record_dispute,
        name="record_dispute",
    ),
    path("c/<int:community_id>/timebank/approvals/", activities.approvals, name="approvals"),
    path(
        "c/<int:community_id>/timebank/approvals/<int:record_id>/decide/",
        activities.record_decide,
        name="record_decide",
    ),
    # exchange
    path("c/<int:community_id>/timebank/exchange/", exchange.exchange_list, name="exchange_list"),
    path("c/<int:community_id>/timebank/exchange/new/", exchange.exchange_new, name="exchange_new"),
    path("c/<int:community_id>/timebank/exchange/<int:post_id>/", exchange.post_detail, name="post_detail"),
    path("c/<int:community_id>/timebank/exchange/<int:post_id>/agree/", exchange.post_agree, name="post_agree"),
    path("c/<int:community_id>/timebank/exchange/<int:post_id>/close/", exchange.post_close, name="post_close"),
    path(
        "c/<int:community_id>/timebank/exchange/deals/<int:exchange_id>/confirm/",
        exchange.exchange_confirm,
        name="exchange_confirm",
    ),
    path(
        "c/<int:community_id>/timebank/exchange/deals/<int:exchange_id>/cancel/",
        exchange.exchange_cancel,
        name="exchange_cancel",
    ),
    # skills
    path("c/<int:community_id>/timebank/service-types/", skills.service_types, name="service_types"),
    path("c/<int:community_id>/timebank/skills/", skills.skill_list, name="skill_list"),
    path("c/<int:community_id>/timebank/skills/chain/", skills.chain, name="chain"),
    path("c/<int:community_id>/timebank/skills/trainings/new/", skills.training_new, name="training_new"),
    path(
        "c/<int:community_id>/timebank/skills/trainings/<int:training_id>/",
        skills.training_detail,
        name="training_detail",
    ),
    path(
        "c/<int:community_id>/timebank/skills/certificates/<int:certificate_id>/revoke/",
        skills.certificate_revoke,
        name="certificate_revoke",
    ),
    # stamps
    path("c/<int:community_id>/timebank/stamps/", stamps.stamp_list, name="stamp_list"),
    path("c/<int:community_id>/timebank/stamps/trails/new/", stamps.trail_new, name="stamp_trail_new"),
    path(
        "c/<int:community_id>/timebank/stamps/trails/<int:trail_id>/close/",
        stamps.trail_close,
        name="stamp_trail_close",
    ),
    path(
        "c/<int:community_id>/timebank/stamps/trails/<int:trail_id>/points/new/",
        stamps.point_new,
        name="stamp_point_new",
    ),
    path("c/<int:community_id>/timebank/stamps/scan/<str:token>/", stamps.stamp_scan, name="stamp_scan"),
    path(
        "c/<int:community_id>/timebank/stamps/points/<int:point_id>/poster/", stamps.stamp_poster, name="stamp_poster"
    ),
    # catalogue
    path("c/<int:community_id>/timebank/catalogue/", catalogue.catalogue, name="catalogue"),
    path("c/<int:community_id>/timebank/catalogue/new/", catalogue.item_new, name="item_new"),
    path("c/<int:community_id>/timebank/catalogue/<int:item_id>/", catalogue.item_detail, name="item_detail"),
    path("c/<int:community_id>/timebank/catalogue/<int:item_id>/edit/", catalogue.item_edit, name="item_edit"),
    path("c/<int:community_id>/timebank/catalogue/<int:item_id>/retire/", catalogue.item_retire, name="item_retire"),
    path(
        "c/<int:community_id>/timebank/catalogue/<int:item_id>/donation/", catalogue.donation_new, name="donation_new"
    ),
    path("c/<int:community_id>/timebank/redemptions/", catalogue.my_redemptions, name="my_redemptions"),
    path(
        "c/<int:community_id>/timebank/redemptions/<int:redemption_id>/cancel/",
        catalogue.redemption_cancel,
        name="redemption_cancel",
    ),
    path("c/<int:community_id>/timebank/verify/", catalogue.redeem_complete, name="redeem_complete"),
    # volunteers
    path("c/<int:community_id>/timebank/volunteers/", volunteers.volunteer_list, name="volunteer_list"),
    path("c/<int:community_id>/timebank/volunteers/new/", volunteers.volunteer_new, name="volunteer_new"),
    path(
        "c/<int:community_id>/timebank/volunteers/<int:volunteer_id>/",
        volunteers.volunteer_detail,
        name="volunteer_detail",
    ),
    path(
        "c/<int:community_id>/timebank/volunteers/<int:volunteer_id>/do/<slug:action>/",
        volunteers.volunteer_action,
        name="volunteer_action",
    ),
    path("c/<int:community_id>/timebank/recruitment/", volunteers.recruitment_list, name="recruitment_list"),
    path(
        "c/<int:community_id>/timebank/recruitment/<int:recruitment_id>/",
        volunteers.recruitment_detail,
        name="recruitment_detail",
    ),
    path(
        "c/<int:community_id>/timebank/recruitment/<int:recruitment_id>/do/<slug:action>/",
        volunteers.recruitment_action,
        name="recruitment_action",
    ),
    path("c/<int:community_id>/timebank/teams/", volunteers.team_list, name="team_list"),
    # records
    path("c/<int:community_id>/timebank/record/", records.my_record, name="my_record"),
    path(
        "c/<int:community_id>/timebank/volunteers/<int:volunteer_id>/record/",
        records.volunteer_record,
        name="volunteer_record",
    ),
    path(
        "c/<int:community_id>/timebank/volunteers/<int:volunteer_id>/record.xlsx",
        records.record_export,
        name="record_export",
    ),
    path("c/<int:community_id>/timebank/records/export.xlsx", records.records_export, name="records_export"),
    path(
        "c/<int:community_id>/timebank/volunteers/<int:volunteer_id>/proofs/", records.proof_issue, name="proof_issue"
    ),
    path("c/<int:community_id>/timebank/proofs/<int:proof_id>.pdf", records.proof_pdf, name="proof_pdf"),
    path("timebank/proof/", records.proof_lookup, name="proof_lookup"),
    path("timebank/proof/<str:code>/", records.proof_verify, name="proof_verify"),
    # stats
    path("c/<int:community_id>/timebank/stats/", stats.stats, name="stats"),
    path("c/<int:community_id>/timebank/stats/export.xlsx", stats.stats_export, name="stats_export"),
    path("s/<int:street_id>/timebank/stats/", stats.street_stats, name="street_stats"),
]
