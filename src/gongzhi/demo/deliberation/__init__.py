"""Demo 议事厅 content from the articles, one module per part, built through the services."""

from gongzhi.deliberation.demo.topics import LIXIONG_HEAD_PHONE, load_deliberation_demo

__all__ = ["LIXIONG_HEAD_PHONE", "load_deliberation_demo"]
