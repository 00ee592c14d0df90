"""The JSON API at /api/, with its OpenAPI schema at /api/openapi.json."""

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.errors import Throttled as NinjaThrottled

from gongzhi.core.api import AUTH
from gongzhi.core.api_errors import error_for_status, error_response, validation_failed
from gongzhi.core.errors import ApplicationError, NotAuthenticated, NotFound, ServerError, Throttled, ValidationFailed

logger = logging.getLogger("django.request")

# The docs page (/api/docs) shows the description: it points integrators to the other standard interface.
DESCRIPTION = (
    "Resident reports (社情民意) are also served as [Open311 GeoReport v2](https://wiki.open311.org/GeoReport_v2) "
    "at /open311/v2/, in XML or JSON: [/open311/v2/discovery.xml](/open311/v2/discovery.xml), "
    "[/open311/v2/discovery.json](/open311/v2/discovery.json); its `jurisdiction_id` is the community id."
)
api = NinjaAPI(title="gongzhi 共治 API", version="1", description=DESCRIPTION, urls_namespace="api", auth=AUTH)


# One error shape, {code, message, extra}, for everything under /api/: ninja's own answers ({"detail": ...} for
# 401, 404, 422 and CSRF, a text traceback for a bug in DEBUG) are replaced here; what Django answers around the
# endpoints (an unknown path, 405) is reshaped by core.middleware.ApiErrorMiddleware.
@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return error_response(exc)


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error_response(validation_failed(list(exc.errors)))


@api.exception_handler(AuthenticationError)
def not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(NotAuthenticated())


@api.exception_handler(NinjaThrottled)
def throttled(request: HttpRequest, exc: NinjaThrottled) -> HttpResponse:
    return error_response(Throttled(retry_after=exc.wait))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # The only 400 ninja raises itself is a body it cannot parse.
    if exc.status_code == 400:
        return error_response(ValidationFailed(_("请求体不是有效的 JSON")))
    return error_response(error_for_status(exc.status_code))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(NotFound())


@api.exception_handler(Exception)
def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Logged like Django logs an unhandled exception (so it reaches the admins' mail); the caller gets no traceback.
    logger.error(
        "Internal Server Error: %s", request.path, exc_info=exc, extra={"status_code": 500, "request": request}
    )
    return error_response(ServerError())


from gongzhi.deliberation.api import router as deliberation_router  # noqa: E402
from gongzhi.people.api import router as people_router  # noqa: E402
from gongzhi.places.api import router as places_router  # noqa: E402
from gongzhi.timebank.api.router import router as timebank_router  # noqa: E402
from gongzhi.voices.api import router as voices_router  # noqa: E402

api.add_router("/communities", places_router)
api.add_router("/communities", people_router)
api.add_router("/communities", deliberation_router)
api.add_router("/communities", voices_router)
api.add_router("/timebank", timebank_router)
