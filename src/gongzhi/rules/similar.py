"""Finding texts like a given one, for the "me too" suggestion and for spotting duplicates (社情民意, issue 5).

Residents write Chinese without word spaces, in simplified or traditional characters (article 004 of the seeds,
瀝雄社区, is traditional), with full-width digits and any punctuation. So a text is first normalised:

- NFKC (full-width "３栋" is "3栋"), then OpenCC t2s (traditional → simplified), then case-folded;
- every character of Unicode category P* (punctuation), S* (symbols), Z* (separators) and C* (controls) is
  dropped, so "楼道灯，坏了！" and "楼道灯坏了" are the same text.

It is then cut into overlapping character bigrams, the usual way to index Chinese without a word segmenter
(jieba is not used). A text of one character is indexed by that character alone: it has no bigram, and
unigrams elsewhere would mostly add noise ("的", "了") and postings to walk.

Ranking is the vector-space model, SMART lnc.ltc with a damped idf (Manning, Raghavan, Schütze, *Introduction to
Information Retrieval*, §6.4.3): a document's bigram weights are 1 + ln(tf) without idf, cosine-normalised;
the query's are (1 + ln tf)·√idf, cosine-normalised. The documents' weights therefore never go stale as other
documents come and go. The idf is damped (its square root, `IDF_POWER`) because a problem many residents
report makes its own bigrams common: with full idf, the bigrams the query shares with twenty-five reports of
the same broken lamp would weigh next to nothing beside the one new bigram it has, and the very duplicates that
matter most would not be found. The score is a cosine in [0, 1], so one threshold (`MIN_SCORE`) tells a
related text from an unrelated one that merely shares a common bigram. Query bigrams the index has never seen still
count in the query's norm: a text that is mostly new matches nothing well.

A document whose normalised text equals the query's always ranks first; ties are broken by the order in
which the ids were first added, so results are deterministic.

The inverted index keeps, per bigram, growable arrays of (document slot, weight); a search accumulates the
postings of the query's bigrams with numpy (one `bincount`), never scoring a document that shares nothing.
A query is cut to its first `QUERY_TERMS` distinct bigrams, and its commonest bigrams are skipped once
`POSTINGS_BUDGET` postings have been gathered (they still count in its norm): a 1,000-character letter costs
what a short text does.
Re-adding an id replaces its text; a removed or replaced text's postings are skipped through an alive mask
and dropped when the index compacts itself (amortised, when dead slots outnumber live ones).

The index is thread-safe: one lock guards both mutation and search.
"""

from __future__ import annotations

import math
import threading
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Mapping

import numpy as np
import opencc

__all__ = ["MIN_SCORE", "TextIndex", "normalize", "terms"]

# Below this cosine a text is "unrelated": sharing one common bigram ("问题", "小区") is not similarity.
MIN_SCORE = 0.15
# idf ** IDF_POWER weighs the query's bigrams (see the module docstring for why it is damped).
IDF_POWER = 0.5
# A query is cut to its first QUERY_TERMS distinct bigrams: a 1,000-character text must not walk the index 1,000 times.
QUERY_TERMS = 160

# Postings one search accumulates at most (numpy walks ~100 million a second on this machine's cores).
POSTINGS_BUDGET = 1_500_000

# The converter loads its dictionaries once; creating one per call costs milliseconds.
_T2S = opencc.OpenCC("t2s")
_DROP = frozenset("PSZC")


def normalize(text: str) -> str:
    """The text as compared: NFKC, simplified characters, case-folded, without punctuation, symbols or spaces."""
    folded = unicodedata.normalize("NFKC", text)
    folded = _T2S.convert(folded).casefold()
    # casefold can produce compatibility forms again ("ﬁ" → "fi" is fine; "ß" → "ss"); NFKC once more is cheap.
    folded = unicodedata.normalize("NFKC", folded)
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in _DROP)


def terms(normalized: str) -> Counter[str]:
    """The bigrams of a normalised text with their counts; a one-character text is its own term."""
    if len(normalized) == 1:
        return Counter((normalized,))
    return Counter(normalized[i : i + 2] for i in range(len(normalized) - 1))


def _doc_weights(counts: Counter[str]) -> dict[str, float]:
    raw = {t: 1.0 + math.log(n) for t, n in counts.items()}
    norm = math.sqrt(sum(w * w for w in raw.values()))
    return {t: w / norm for t, w in raw.items()}


class TextIndex:
    """An in-memory index of short texts by id; `search` gives the ids most like a text, best first."""

    def __init__(self, docs: Mapping[str, str] | None = None, *, min_score: float = MIN_SCORE) -> None:
        self.min_score = min_score
        self._lock = threading.RLock()
        self._reset()
        for doc_id, text in (docs or {}).items():
            self._add(doc_id, text)

    def _reset(self) -> None:
        self._slot_of: dict[str, int] = {}  # doc id → its current slot
        self._names: list[str | None] = []  # slot → doc id, None once dead
        self._texts: list[str] = []  # slot → normalised text (for exact matches and compaction)
        self._order: array[int] = array("q")  # slot → when the id was first added (tie order)
        self._alive = bytearray()
        self._first_seen: dict[str, int] = {}
        self._seq = 0
        self._docs: dict[str, array[int]] = {}  # term → slots
        self._weights: dict[str, array[float]] = {}  # term → weights, parallel to _docs
        self._df: dict[str, int] = {}  # term → live documents with it
        self._exact: dict[str, set[int]] = {}  # normalised text → live slots

    # --- mutation -----------------------------------------------------------------------------------------

    def add(self, doc_id: str, text: str) -> None:
        """Indexes text under doc_id, replacing the text it had."""
        with self._lock:
            self._add(doc_id, text)
            self._maybe_compact()

    def remove(self, doc_id: str) -> None:
        """Removes doc_id; KeyError if it is not indexed."""
        with self._lock:
            if doc_id not in self._slot_of:
                raise KeyError(doc_id)
            self._kill(self._slot_of.pop(doc_id))
            self._first_seen.pop(doc_id, None)
            self._maybe_compact()

    def discard(self, doc_id: str) -> None:
        """Removes doc_id if it is indexed."""
        with self._lock:
            if doc_id in self._slot_of:
                self.remove(doc_id)

    def _add(self, doc_id: str, text: str) -> None:
        old = self._slot_of.get(doc_id)
        if old is not None:
            self._kill(old)
        if doc_id not in self._first_seen:
            self._first_seen[doc_id] = self._seq
            self._seq += 1
        normalized = normalize(text)
        slot = len(self._names)
        self._names.append(doc_id)
        self._texts.append(normalized)
        self._order.append(self._first_seen[doc_id])
        self._alive.append(1)
        self._slot_of[doc_id] = slot
        weights = _doc_weights(terms(normalized)) if normalized else {}
        for term, weight in weights.items():
            docs = self._docs.get(term)
            if docs is None:
                docs = self._docs[term] = array("q")
                self._weights[term] = array("d")
            docs.append(slot)
            self._weights[term].append(weight)
            self._df[term] = self._df.get(term, 0) + 1
        if normalized:
            self._exact.setdefault(normalized, set()).add(slot)

    def _kill(self, slot: int) -> None:
        self._alive[slot] = 0
        self._names[slot] = None
        normalized = self._texts[slot]
        self._texts[slot] = ""
        if normalized:
            for term in terms(normalized):
                self._df[term] -= 1
            same = self._exact[normalized]
            same.discard(slot)
            if not same:
                del self._exact[normalized]

    def _maybe_compact(self) -> None:
        dead_slots = len(self._names) - len(self._slot_of)
        if dead_slots > 1024 and dead_slots > len(self._slot_of):
            self._compact()

    def _compact(self) -> None:
        live = sorted(self._slot_of.items(), key=lambda item: self._order[item[1]])
        texts = {doc_id: self._texts[slot] for doc_id, slot in live}
        first_seen = self._first_seen
        self._reset()
        for doc_id, normalized in texts.items():
            self._add(doc_id, normalized)  # normalising a normalised text changes nothing
        self._first_seen.update({d: first_seen[d] for d in texts})
        for doc_id, slot in self._slot_of.items():
            self._order[slot] = first_seen[doc_id]
        self._seq = max(first_seen.values(), default=-1) + 1

    # --- reading ------------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._slot_of

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._slot_of))

    def search(self, text: str, k: int = 5, *, where: Callable[[str], bool] | None = None) -> list[str]:
        """Up to k ids whose texts are most like text, best first; only ids for which where(id) holds, if given.
        Texts scoring below min_score are left out, so unrelated or empty text gives []."""
        if k <= 0:
            return []
        normalized = normalize(text)
        if not normalized:
            return []
        counts = terms(normalized)
        if len(counts) > QUERY_TERMS:
            counts = Counter(dict(list(counts.items())[:QUERY_TERMS]))
        with self._lock:
            n_docs = len(self._slot_of)
            if n_docs == 0:
                return []
            known: list[tuple[str, float]] = []
            norm2 = 0.0
            for term, tf in counts.items():
                df = self._df.get(term, 0)
                idf = math.log(1.0 + (n_docs + 1) / (df + 1))  # smooth; a bigram never seen weighs most
                weight = (1.0 + math.log(tf)) * idf**IDF_POWER
                norm2 += weight * weight
                if df:
                    known.append((term, weight))
            qnorm = math.sqrt(norm2)
            exact = sorted(self._exact.get(normalized, ()), key=lambda s: self._order[s])
            if not known:
                return self._pick(exact, [], where, k)
            n_slots = len(self._names)
            # Rarest bigrams first; once the budget of postings is spent, the commonest ones are skipped (they
            # still count in the query's norm). Only very long queries of very common bigrams reach it.
            known.sort(key=lambda item: (self._df[item[0]], item[0]))
            walked, budget = 0, max(POSTINGS_BUDGET, self._df[known[0][0]])
            for at, (term, _) in enumerate(known):
                walked += self._df[term]
                if walked > budget:
                    known = known[:at]
                    break
            # One bincount over all postings of the query's bigrams: a document sharing nothing costs nothing.
            slots = np.concatenate([np.frombuffer(self._docs[t], dtype=np.int64) for t, _ in known])
            weights = np.concatenate(
                [np.frombuffer(self._weights[t], dtype=np.float64) * (w / qnorm) for t, w in known]
            )
            scores = np.bincount(slots, weights=weights, minlength=n_slots)
            scores *= np.frombuffer(bytes(self._alive), dtype=np.uint8)
            hits = np.flatnonzero((scores >= self.min_score) & (scores > 0))
            # Rounded so that equal vectors summed in a different order still tie; ties go to the first added.
            rounded = np.round(scores[hits], 9)
            order = np.frombuffer(self._order, dtype=np.int64)[hits]
            # Sorting thousands of weak hits to show five is waste: rank the best few (all tied at the cut
            # included), and everything only when a filter leaves too few of them.
            few = max(4 * k, 32)
            if len(hits) > few:
                cut = np.partition(rounded, len(rounded) - few)[len(rounded) - few]
                best = rounded >= cut
                top = hits[best][np.lexsort((order[best], -rounded[best]))]
                picked = self._pick(exact, top.tolist(), where, k)
                if len(picked) == k or where is None:
                    return picked
            ranked = hits[np.lexsort((order, -rounded))]
            return self._pick(exact, ranked.tolist(), where, k)

    def _pick(self, exact: list[int], ranked: list[int], where: Callable[[str], bool] | None, k: int) -> list[str]:
        out: list[str] = []
        seen: set[int] = set()
        for slot in [*exact, *ranked]:
            if slot in seen:
                continue
            seen.add(slot)
            name = self._names[slot]
            if name is None or (where is not None and not where(name)):
                continue
            out.append(name)
            if len(out) == k:
                break
        return out
