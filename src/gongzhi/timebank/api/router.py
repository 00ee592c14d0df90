"""The time bank's JSON API under /api/timebank/: the parts' routers, mounted in the order their paths need."""

from ninja import Router

from gongzhi.timebank.api import activities, catalogue, ledger, stats

router = Router()
router.add_router("", ledger.router)
router.add_router("", activities.router)
router.add_router("", catalogue.router)
router.add_router("", stats.router)
