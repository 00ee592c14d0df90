"""时间银行 models, one module per part: the ledger and its street settings, service types and skills, activities
and service records, resident exchange, the stamp trail, the catalogue and redemptions, volunteers and records.

Each part's module lists its models in `__all__`; this package re-exports them so that Django finds every model.
"""

from gongzhi.timebank.models.activities import *  # noqa: F403
from gongzhi.timebank.models.catalogue import *  # noqa: F403
from gongzhi.timebank.models.exchange import *  # noqa: F403
from gongzhi.timebank.models.ledger import *  # noqa: F403
from gongzhi.timebank.models.settings import *  # noqa: F403
from gongzhi.timebank.models.skills import *  # noqa: F403
from gongzhi.timebank.models.stamps import *  # noqa: F403
from gongzhi.timebank.models.volunteers import *  # noqa: F403
