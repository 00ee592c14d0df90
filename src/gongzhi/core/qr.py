"""QR codes for sign-in posters and ballot sheets: the module matrix from reportlab's encoder, drawn as inline SVG
(pages) or as rectangles (PDFs), so no image library or external service is involved."""

from __future__ import annotations

from reportlab.graphics.barcode import qrencoder

QUIET_ZONE = 4  # modules of white border the QR standard asks for


def qr_matrix(data: str) -> list[list[bool]]:
    """Rows of dark (True) and light modules; error correction level M survives a crease or a smudge on paper."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(data)
    code.make()
    size = code.getModuleCount()
    return [[bool(code.isDark(row, col)) for col in range(size)] for row in range(size)]


def qr_svg(data: str, *, size_px: int = 180, label: str = "") -> str:
    """An inline <svg> of the code with its quiet zone; one path keeps it small for a phone."""
    matrix = qr_matrix(data)
    n = len(matrix) + 2 * QUIET_ZONE
    path = "".join(
        f"M{col + QUIET_ZONE},{row + QUIET_ZONE}h1v1h-1z"
        for row, line in enumerate(matrix)
        for col, dark in enumerate(line)
        if dark
    )
    title = f"<title>{_escape(label)}</title>" if label else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" width="{size_px}" height="{size_px}" '
        f'shape-rendering="crispEdges" role="img">{title}<rect width="{n}" height="{n}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/></svg>'
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
