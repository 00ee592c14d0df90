"""Reads of the time bank, one module per part, each already scoped to what the actor may see."""

from gongzhi.timebank.selectors.activities import *  # noqa: F403
from gongzhi.timebank.selectors.catalogue import *  # noqa: F403
from gongzhi.timebank.selectors.exchange import *  # noqa: F403
from gongzhi.timebank.selectors.ledger import *  # noqa: F403
from gongzhi.timebank.selectors.skills import *  # noqa: F403
from gongzhi.timebank.selectors.stamps import *  # noqa: F403
from gongzhi.timebank.selectors.stats import *  # noqa: F403
from gongzhi.timebank.selectors.volunteers import *  # noqa: F403
