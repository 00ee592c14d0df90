from gongzhi.timebank.views import activities, catalogue, exchange, ledger, records, skills, stamps, stats, volunteers

app_name = "timebank"
urlpatterns = [
    *ledger.urlpatterns,
    *activities.urlpatterns,
    *exchange.urlpatterns,
    *skills.urlpatterns,
    *stamps.urlpatterns,
    *catalogue.urlpatterns,
    *volunteers.urlpatterns,
    *records.urlpatterns,
    *stats.urlpatterns,
]
