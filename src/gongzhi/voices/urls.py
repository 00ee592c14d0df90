from gongzhi.voices import open311
from gongzhi.voices.views import inbox, residents, routing, stats, surveys

app_name = "voices"
urlpatterns = [
    *residents.urlpatterns,
    *inbox.urlpatterns,
    *routing.urlpatterns,
    *surveys.urlpatterns,
    *stats.urlpatterns,
    *open311.staff_urlpatterns,
]
