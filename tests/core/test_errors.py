"""A refusal's code leaves as plain text, whichever registry member named it: a real WSGI server refuses a header
value that is a `str` subclass (Open311 sends the code in `X-Gongzhi-Error`), and clients compare the text."""

from gongzhi.core.errors import Code, PermissionDenied, ValidationFailed
from gongzhi.timebank.errors import Code as TimebankCode
from gongzhi.voices.errors import Code as VoicesCode


def test_a_registry_code_becomes_its_plain_value():
    exc = PermissionDenied(code=VoicesCode.KEY_REVOKED)
    assert type(exc.code) is str and exc.code == "key_revoked"
    assert exc.as_dict()["code"] == "key_revoked"


def test_a_class_default_code_is_plain_text_too():
    assert type(ValidationFailed().code) is str and ValidationFailed().code == "invalid"
    assert type(ValidationFailed(code=Code.WEAK_PASSWORD).code) is str


def test_every_registry_value_is_a_lower_case_code():
    for registry in (Code, VoicesCode, TimebankCode):
        for member in registry:
            assert member.value == member.name.lower(), member
