"""gongzhi (共治): community self-governance platform."""
