"""Offline meetings (坝坝会, 院落夜话, 议事会, 村民(代表)会议): schedule, attendance, minutes, suggestions, votes."""

__all__: list[str] = []
