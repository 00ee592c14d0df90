"""Writes in 社情民意, one module per part; each write is one transaction with one audit event.

Callers use `services.<name>`; the parts' modules list their public services in `__all__`.
"""

from gongzhi.voices.services.deadlines import *  # noqa: F403
from gongzhi.voices.services.intake import *  # noqa: F403
from gongzhi.voices.services.merging import *  # noqa: F403
from gongzhi.voices.services.open311 import *  # noqa: F403
from gongzhi.voices.services.photos import *  # noqa: F403
from gongzhi.voices.services.residents import *  # noqa: F403
from gongzhi.voices.services.reveal import *  # noqa: F403
from gongzhi.voices.services.routing import *  # noqa: F403
from gongzhi.voices.services.surveys import *  # noqa: F403
from gongzhi.voices.services.sweep import *  # noqa: F403
from gongzhi.voices.services.workflow import *  # noqa: F403
