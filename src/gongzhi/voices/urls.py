from gongzhi.voices.views import inbox, residents, routing, stats, surveys

app_name = "voices"
urlpatterns = [
    *residents.urlpatterns,
    *inbox.urlpatterns,
    *routing.urlpatterns,
    *surveys.urlpatterns,
    *stats.urlpatterns,
]
