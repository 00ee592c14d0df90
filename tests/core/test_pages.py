"""The view toolkit's parsing of an id from a query or a form: anything but a plain id is None, never a 500."""

import pytest

from gongzhi.core.pages import int_param


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),  # past BIGINT: no row has it, and the database would refuse the number
        ("99999999999999999999", None),
        ("", None),
        (None, None),
        ("-1", None),
        ("1.5", None),
        ("abc", None),
        ("١٢", None),  # Arabic-Indic digits pass str.isdigit()
        ("1 OR 1=1", None),
    ],
)
def test_int_param(raw, expected):
    assert int_param(raw) == expected
