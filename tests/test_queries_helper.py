"""Tests count queries one way: tests/queries.py (STYLE.md item 11). The other mechanisms stay out of test modules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gongzhi.core.models import User
from tests.queries import queries, same_queries

TESTS = Path(__file__).parent
HELPER = TESTS / "queries.py"
OTHER_WAYS = re.compile(r"\b(django_assert_num_queries|django_assert_max_num_queries|CaptureQueriesContext)\b")


def test_no_test_module_counts_queries_another_way():
    found = [
        f"{path.relative_to(TESTS.parent)}:{n}: {line.strip()}"
        for path in sorted(TESTS.rglob("*.py"))
        if path not in (HELPER, Path(__file__))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OTHER_WAYS.search(line)
    ]
    assert not found, "count queries with tests.queries (queries(N), same_queries) instead:\n" + "\n".join(found)


@pytest.mark.django_db
def test_an_exact_count_passes_and_a_wrong_one_lists_the_queries():
    with queries(1) as q:
        User.objects.count()
    assert q.count == len(q) == 1 and "SELECT" in q.sql[0]

    def two_queries() -> None:
        with queries(1):
            User.objects.count()
            User.objects.count()

    with pytest.raises(AssertionError, match=r"(?s)2 queries, expected 1.*1\. SELECT.*2\. SELECT"):
        two_queries()


@pytest.mark.django_db
def test_same_queries_fails_when_the_count_grows_with_the_rows():
    made: list[User] = []

    def grow() -> None:
        made.append(User.objects.create_user(phone=f"1390000{len(made):04d}", password="x"))

    assert same_queries(lambda: User.objects.count(), grow) == 1
    with pytest.raises(AssertionError, match="expected 1"):
        same_queries(lambda: [User.objects.filter(pk=u.pk).exists() for u in made], grow)
