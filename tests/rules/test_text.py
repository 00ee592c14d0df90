from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.rules.text import clean_text, find_markup

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    '<img src=x onerror="alert(1)">',
    "<IMG SRC=x ONERROR=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "<!--<script>-->",
    "<?xml version='1.0'?>",
    "<iframe src=javascript:alert(1)>",
    "<a href='javascript:alert(1)'>点我</a>",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "JAVASCRIPT:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "jav\r\nascript:alert(1)",
    "java script:alert(1)",
    "j a v a s c r i p t :alert(1)",
    "java\x00script:alert(1)",
    "vbscript:msgbox(1)",
    "VBScript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "DATA:TEXT/HTML,<b>x</b>",
    "data: text/html,hi",
    "onload=alert(1)",
    "x onerror =alert(1)",
    '" onmouseover="alert(1)',
    "ONCLICK\t=alert(1)",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "&#x3C;script&#x3E;",
    "&#X3c;script",
    "javascript&#58;alert(1)",
    "&#106&#97&#118&#97&#115&#99&#114&#105&#112&#116&#58;alert(1)",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "javascript&colon;alert(1)",
    "通知&nbsp;内容",
    "正常文字<b>加粗</b>",
    "请看这里<a href=x>链接</a>",
    "内容</div>",
]

PLAIN_TEXTS = [
    "",
    "本周六上午九点在小区东门集合，清理楼道杂物。",
    "面积 < 90 平方米的住户免收此项费用",
    "3<5",
    "a < b 且 c > d",
    "维修基金余额：12,345.67元（截至2024年6月）",
    "张三 & 李四 共同申请",
    "AT&T 的客服电话",
    "R&D 部门",
    "邮箱 zhangsan@example.com，电话 138-1234-5678",
    "网址 https://www.gov.cn/zhengce/",
    "按钮 button=提交（描述用语）",
    "Python=好用",
    "one=1, on=开",
    "《物业管理条例》第十一条",
    "发言人：王芳；时间：2024-06-01 19:30",
    "50%以上业主同意",
    "<<<",
    "<>",
    "< 3",
    "<3 个月",
    "a<",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_find_markup_detects_payloads(payload: str) -> None:
    assert find_markup(payload) is not None


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_clean_text_refuses_payloads(payload: str) -> None:
    with pytest.raises(ValueError, match=r"^标题不能包含HTML或脚本代码$"):
        clean_text(payload, field="标题")


@pytest.mark.parametrize("text", PLAIN_TEXTS)
def test_plain_chinese_text_is_not_markup(text: str) -> None:
    assert find_markup(text) is None
    assert clean_text(text, field="内容") == text.strip()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("<script>", "HTML标签"),
        ("<img src=x onerror=alert(1)>", "HTML标签"),  # the tag comes first
        ("说明 onerror=alert(1) <b>", "事件处理属性"),  # the handler comes first
        ("javascript:alert(1)", "脚本链接"),
        ("java\tscript:x", "脚本链接"),
        ("&#60;", "HTML字符引用"),
        ("&lt;b&gt;", "HTML字符引用"),
    ],
)
def test_find_markup_describes_first_finding(text: str, kind: str) -> None:
    found = find_markup(text)
    assert found is not None
    assert found.startswith(kind)


def test_clean_text_strips_surrounding_whitespace() -> None:
    assert clean_text("\u3000  通知内容 \n", field="内容") == "通知内容"


def test_clean_text_length_limit() -> None:
    assert clean_text("一二三四五", field="标题", max_length=5) == "一二三四五"
    # Surrounding whitespace does not count towards the limit.
    assert clean_text("  一二三四五  ", field="标题", max_length=5) == "一二三四五"
    with pytest.raises(ValueError, match=r"^标题不能超过5个字$"):
        clean_text("一二三四五六", field="标题", max_length=5)


def test_clean_text_markup_is_reported_before_length() -> None:
    with pytest.raises(ValueError, match="不能包含HTML或脚本代码"):
        clean_text("<script>alert(1)</script>", field="标题", max_length=3)


@given(st.text(alphabet=st.sampled_from("业主委员会通知第一二三条，。、：；（）0123456789 ")))
def test_chinese_prose_never_flagged(text: str) -> None:
    assert find_markup(text) is None
    assert clean_text(text, field="内容") == text.strip()


@given(
    # No ASCII letters or digits before the payload: "1onload=" is not an
    # attribute name, so it is rightly not flagged on its own.
    prefix=st.text(alphabet=st.sampled_from("通知内容：，。 ")),
    payload=st.sampled_from(XSS_PAYLOADS),
    suffix=st.text(alphabet=st.sampled_from("通知内容：，。 123")),
)
def test_payload_found_anywhere_in_text(prefix: str, payload: str, suffix: str) -> None:
    assert find_markup(prefix + payload + suffix) is not None


@given(st.text(max_size=200), st.integers(min_value=0, max_value=50))
def test_clean_text_result_is_stripped_safe_and_short(text: str, limit: int) -> None:
    try:
        result = clean_text(text, field="内容", max_length=limit)
    except ValueError as exc:
        message = str(exc)
        assert message in {"内容不能包含HTML或脚本代码", f"内容不能超过{limit}个字", "内容含有无效字符"}
    else:
        assert result == text.strip()
        assert len(result) <= limit
        assert find_markup(result) is None


@pytest.mark.parametrize("text", ["\ud800", "楼道灯坏了\udfff", "a\x00b"])
def test_clean_text_refuses_what_no_database_can_store(text: str) -> None:
    # A lone surrogate (from JSON's "\\ud800") cannot be encoded; PostgreSQL refuses NUL.
    with pytest.raises(ValueError, match="内容含有无效字符"):
        clean_text(text, field="内容")
