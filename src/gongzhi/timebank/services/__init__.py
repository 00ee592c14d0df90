"""Writes in the time bank, one module per part; each write is one transaction with one audit event, and every
movement of points goes through `ledger.transfer_post`.

Callers use `services.<name>`; the parts' modules list their public services in `__all__`.
"""

from gongzhi.timebank.services.activities import *  # noqa: F403
from gongzhi.timebank.services.catalogue import *  # noqa: F403
from gongzhi.timebank.services.exchange import *  # noqa: F403
from gongzhi.timebank.services.ledger import *  # noqa: F403
from gongzhi.timebank.services.ledger import gifts_sent_since  # noqa: F401
from gongzhi.timebank.services.records import *  # noqa: F403
from gongzhi.timebank.services.skills import *  # noqa: F403
from gongzhi.timebank.services.stamps import *  # noqa: F403
from gongzhi.timebank.services.volunteers import *  # noqa: F403
