"""QR matrices have the finder patterns a phone camera looks for, and the SVG carries exactly the dark modules."""

import re

from gongzhi.core.qr import QUIET_ZONE, qr_matrix, qr_svg

FINDER = [
    [True, True, True, True, True, True, True],
    [True, False, False, False, False, False, True],
    [True, False, True, True, True, False, True],
    [True, False, True, True, True, False, True],
    [True, False, True, True, True, False, True],
    [True, False, False, False, False, False, True],
    [True, True, True, True, True, True, True],
]


def corner(matrix, row, col):
    return [line[col : col + 7] for line in matrix[row : row + 7]]


def test_matrix_has_three_finder_patterns_and_a_valid_size():
    matrix = qr_matrix("https://example.invalid/c/1/meetings/2/sign-in/3f9a")
    n = len(matrix)
    assert all(len(line) == n for line in matrix)
    assert (n - 17) % 4 == 0  # sizes are 21, 25, 29, ... modules (versions 1-40)
    assert corner(matrix, 0, 0) == FINDER
    assert corner(matrix, 0, n - 7) == FINDER
    assert corner(matrix, n - 7, 0) == FINDER
    assert corner(matrix, n - 7, n - 7) != FINDER


def test_longer_data_needs_a_larger_code_and_same_data_gives_same_code():
    short, long = qr_matrix("HY-0001"), qr_matrix("HY-0001 " + "x" * 200)
    assert len(long) > len(short)
    assert qr_matrix("HY-0001") == short


def test_svg_draws_each_dark_module_once_inside_the_quiet_zone():
    data = "sheet:42:HY-0007"
    matrix = qr_matrix(data)
    svg = qr_svg(data, label='表决票 <HY-0007> & "x"')
    squares = re.findall(r"M(\d+),(\d+)h1v1h-1z", svg)
    assert len(squares) == sum(map(sum, matrix))
    assert min(int(x) for x, _ in squares) == QUIET_ZONE
    assert f'viewBox="0 0 {len(matrix) + 2 * QUIET_ZONE} {len(matrix) + 2 * QUIET_ZONE}"' in svg
    assert "<HY-0007>" not in svg and "&lt;HY-0007&gt;" in svg
