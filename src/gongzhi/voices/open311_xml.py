"""Open311 GeoReport v2's XML (https://wiki.open311.org/GeoReport_v2, "XML Support"), written from the same data
as its JSON, which the spec defines as the Spark convention's mapping of the XML: a list is a plural element with
one singular element per item (<services><service>…, <service_requests><request>…, <errors><error>…), an object
one element per key, null an empty element, booleans true/false. Schemaless and without a namespace, as the spec
asks, and preceded by the XML declaration with the encoding."""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

__all__ = ["to_xml"]

DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# Each list of the spec (and of our discovery's jurisdictions) and the element of its items.
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "jurisdictions": "jurisdiction",
}
# XML 1.0 has no control characters other than tab and line breaks, and no lone surrogates. Stored text may hold
# them (only markup is refused on input), so they become U+FFFD rather than a document no client can parse.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))


def _fill(element: Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(SubElement(element, key), child)
    elif isinstance(value, list):
        item = ITEMS[element.tag]
        for child in value:
            _fill(SubElement(element, item), child)
    else:
        element.text = _text(value)


def to_xml(data: Any, *, root: str) -> bytes:
    """The document for `data` (a list or a dict) under the element `root`, UTF-8 encoded."""
    element = Element(root)
    _fill(element, data)
    return (DECLARATION + tostring(element, encoding="unicode")).encode()
