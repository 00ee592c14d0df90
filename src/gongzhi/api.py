"""The JSON API at /api/, with its OpenAPI schema at /api/openapi.json."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from gongzhi.core.api import AUTH
from gongzhi.core.errors import ApplicationError, Unauthenticated

# The docs page (/api/docs) shows the description: it points integrators to the other standard interface.
DESCRIPTION = (
    "Resident reports (社情民意) are also served as [Open311 GeoReport v2](https://wiki.open311.org/GeoReport_v2) "
    "at /open311/v2/, in XML or JSON: [/open311/v2/discovery.xml](/open311/v2/discovery.xml), "
    "[/open311/v2/discovery.json](/open311/v2/discovery.json); its `jurisdiction_id` is the community id."
)
api = NinjaAPI(title="gongzhi 共治 API", version="1", description=DESCRIPTION, urls_namespace="api", auth=AUTH)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(AuthenticationError)
def not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    # Neither a session nor a bearer token: the same {code, message, extra} as every other refusal.
    error = Unauthenticated()
    return api.create_response(request, error.as_dict(), status=error.status)


from gongzhi.deliberation.api import router as deliberation_router  # noqa: E402
from gongzhi.people.api import router as people_router  # noqa: E402
from gongzhi.places.api import router as places_router  # noqa: E402
from gongzhi.timebank.api import router as timebank_router  # noqa: E402
from gongzhi.voices.api import router as voices_router  # noqa: E402

api.add_router("/communities", places_router)
api.add_router("/communities", people_router)
api.add_router("/communities", deliberation_router)
api.add_router("/communities", voices_router)
api.add_router("/timebank", timebank_router)
