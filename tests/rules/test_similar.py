"""rules.similar: Chinese text without word spaces, traditional and simplified alike, punctuation ignored."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.rules import similar
from gongzhi.rules.similar import TextIndex, normalize, terms

FEW = settings(max_examples=60, deadline=None)

# Article 004 (瀝雄社区) in its own traditional characters, and the same sentences in simplified ones.
TRAD_FENCE = "擁有30年樓齡的小區里，圍欄失修、路燈損壞、入屋盜竊等安全和治安問題時有發生。"
SIMP_FENCE = "拥有30年楼龄的小区里，围栏失修、路灯损坏、入屋盗窃等安全和治安问题时有发生。"
TRAD_DOOR = "協助社區推進瓦解傳銷團伙、安裝門禁等工作，讓老小區煥發了新活力。"
SIMP_DOOR = "协助社区推进瓦解传销团伙、安装门禁等工作，让老小区焕发了新活力。"

VOICES = {
    "lamp": "3栋2单元楼道灯坏了一个星期，晚上上楼看不见",
    "parking": "小区北门消防通道晚上总是停满车，救护车进不来",
    "refuse": "垃圾房满了三天没人清理，臭气熏天",
    "door": "1栋单元门禁坏了，陌生人随便进出",
    "dog": "中心花园有野狗出没，孩子们都不敢去玩",
    "water": "5栋地下室漏水很严重，电表箱都泡了",
}


@pytest.fixture
def index() -> TextIndex:
    return TextIndex(VOICES)


# --- normalisation ------------------------------------------------------------------------------------------


def test_normalize_folds_width_script_case_and_drops_punctuation_and_space():
    assert normalize("３棟２單元，樓道燈壞了！！ ＡＢＣ\t") == "3栋2单元楼道灯坏了abc"
    assert normalize("“垃圾房”满了……（急）") == "垃圾房满了急"
    assert normalize("  ，。！？、\n") == ""
    assert normalize(TRAD_FENCE) == normalize(SIMP_FENCE)
    assert normalize(TRAD_DOOR) == normalize(SIMP_DOOR)


def test_symbols_and_emoji_are_ignored():
    assert normalize("楼道灯坏了😡👎") == normalize("楼道灯坏了")
    assert normalize("楼道灯+坏了=看不见") == "楼道灯坏了看不见"


def test_terms_are_bigrams_and_a_single_character_is_its_own_term():
    assert terms("楼道灯") == {"楼道": 1, "道灯": 1}
    assert terms("哈哈哈") == {"哈哈": 2}
    assert terms("灯") == {"灯": 1}
    assert terms("") == {}


# --- search -------------------------------------------------------------------------------------------------


def test_a_near_duplicate_finds_its_voice_first(index):
    assert index.search("楼道灯坏了，晚上看不见")[0] == "lamp"
    assert index.search("消防通道总是停满车")[0] == "parking"
    assert index.search("垃圾房满了没人清理")[0] == "refuse"


def test_punctuation_and_spaces_do_not_matter(index):
    plain = index.search("垃圾房满了没人清理")
    assert index.search("垃圾房，满了！！没人 清理。。。") == plain
    assert index.search("「垃圾房」满了——没人清理？") == plain


def test_traditional_query_finds_the_simplified_text_and_vice_versa():
    simp = TextIndex({**VOICES, "fence": SIMP_FENCE, "gate": SIMP_DOOR})
    trad = TextIndex({**VOICES, "fence": TRAD_FENCE, "gate": TRAD_DOOR})
    assert simp.search("圍欄失修、路燈損壞")[0] == "fence"
    assert trad.search("围栏失修、路灯损坏")[0] == "fence"
    assert simp.search("推進瓦解傳銷團伙、安裝門禁")[0] == "gate"
    assert trad.search("推进瓦解传销团伙、安装门禁")[0] == "gate"
    assert simp.search(TRAD_FENCE) == trad.search(SIMP_FENCE)


def test_article_004_as_it_is_written_finds_the_simplified_voice():
    # The article's own line, with its half-width punctuation and the pinyin glosses it carries ("區(qū)").
    raw = "擁有30年樓齡的小區(qū)里,圍欄失修、路燈損壞、入屋盜竊等安全和治安問題時有發(fā)生。"
    index = TextIndex({**VOICES, "fence": SIMP_FENCE, "gate": SIMP_DOOR})
    assert index.search(raw)[0] == "fence"
    assert TextIndex({**VOICES, "fence": raw}).search("围栏失修，路灯损坏，入屋盗窃")[0] == "fence"


def test_full_width_digits_match_half_width_ones():
    index = TextIndex({"b3": "3栋楼下路灯不亮", "b5": "5栋楼下路灯不亮"})
    assert index.search("３栋楼下路灯不亮")[0] == "b3"
    assert index.search("５栋楼下路灯不亮")[0] == "b5"


def test_results_are_best_first():
    index = TextIndex(
        {
            "far": "楼道里堆满了杂物",
            "near": "楼道灯坏了",
            "exact": "3栋楼道灯坏了一个星期",
        }
    )
    assert index.search("3栋楼道灯坏了一个星期")[:2] == ["exact", "near"]


def test_k_is_respected():
    index = TextIndex({str(i): f"{i}栋楼道灯坏了" for i in range(1, 20)})
    assert len(index.search("楼道灯坏了")) == 5
    assert len(index.search("楼道灯坏了", k=3)) == 3
    assert len(index.search("楼道灯坏了", k=50)) == 19
    assert index.search("楼道灯坏了", k=0) == []


def test_empty_whitespace_and_punctuation_only_queries_give_nothing(index):
    for query in ("", "   ", "\n\t", "，。！？", "……", "（）【】"):
        assert index.search(query) == []


def test_a_problem_reported_many_times_is_still_found():
    # Twenty-five reports make the lamp's bigrams common; the new text still finds them (a damped idf).
    index = TextIndex({str(i): f"3栋2单元楼道灯坏了一个星期，晚上上楼看不见，第{i}次反映" for i in range(25)})
    assert len(index.search("楼道的灯坏了，晚上看不见")) == 5


def test_unrelated_text_gives_nothing_not_noise(index):
    assert index.search("今天天气真好，适合出去散步") == []
    assert index.search("请问书法班什么时候开课") == []
    assert index.search("Hello world") == []


def test_sharing_one_common_bigram_is_not_similarity():
    index = TextIndex({"a": "小区北门的路灯不亮了", "b": "小区花园里有人遛狗不牵绳"})
    assert index.search("小区的书法班什么时候开课") == []


def test_an_empty_index_gives_nothing():
    assert TextIndex({}).search("楼道灯坏了") == []
    assert TextIndex().search("楼道灯坏了") == []


def test_a_single_character_query_finds_single_character_texts_only():
    index = TextIndex({"one": "灯", "two": "路灯坏了"})
    assert index.search("燈") == ["one"]


def test_re_adding_an_id_replaces_its_text(index):
    assert index.search("垃圾房满了")[0] == "refuse"
    index.add("refuse", "快递柜旁边的井盖松动了")
    assert "refuse" not in index.search("垃圾房满了没人清理")
    assert index.search("井盖松动了")[0] == "refuse"
    assert len(index) == len(VOICES)


def test_remove_and_discard(index):
    index.remove("lamp")
    assert "lamp" not in index and len(index) == len(VOICES) - 1
    assert index.search("3栋2单元楼道灯坏了一个星期") == []
    with pytest.raises(KeyError):
        index.remove("lamp")
    index.discard("lamp")  # no error
    index.add("lamp", "楼道灯坏了")
    assert index.search("楼道灯坏了") == ["lamp"]


def test_an_exact_text_comes_first_even_when_its_bigrams_are_shared():
    # "aba" and "bab" have the same bigrams; the text that is the query itself wins.
    index = TextIndex({"x": "灯坏灯", "y": "坏灯坏"})
    assert index.search("坏灯坏")[0] == "y"
    assert index.search("灯坏灯")[0] == "x"


def test_ties_go_to_the_first_added_and_replacing_keeps_the_place():
    index = TextIndex({"b": "楼道灯坏了", "a": "楼道灯坏了", "c": "楼道灯坏了"})
    assert index.search("楼道灯坏了") == ["b", "a", "c"]
    index.add("b", "楼道灯坏了")
    assert index.search("楼道灯坏了") == ["b", "a", "c"]
    index.remove("b")
    index.add("b", "楼道灯坏了")
    assert index.search("楼道灯坏了") == ["a", "c", "b"]


def test_where_filters_before_k_is_counted():
    index = TextIndex({str(i): f"{i}栋楼道灯坏了" for i in range(1, 20)})
    odd = index.search("楼道灯坏了", k=5, where=lambda doc_id: int(doc_id) % 2 == 1)
    assert len(odd) == 5 and all(int(d) % 2 == 1 for d in odd)
    assert index.search("楼道灯坏了", where=lambda doc_id: False) == []


def test_a_filter_reaching_past_the_best_few_still_finds_the_rest():
    index = TextIndex({str(i): f"{i}栋楼道灯坏了" for i in range(1, 101)})
    hits = index.search("楼道灯坏了", k=5, where=lambda doc_id: int(doc_id) > 95)
    assert sorted(hits, key=int) == ["96", "97", "98", "99", "100"]
    unfiltered = index.search("楼道灯坏了", k=5)
    assert len(unfiltered) == 5 and not set(unfiltered) & set(hits)


def test_min_score_zero_still_leaves_out_texts_that_share_nothing():
    index = TextIndex({"a": "楼道灯坏了", "b": "垃圾房满了", "c": "井盖松动"}, min_score=0)
    index.remove("c")
    assert index.search("楼道灯坏了", k=5) == ["a"]


def test_a_long_query_is_cut_and_still_finds_its_text(monkeypatch):
    monkeypatch.setattr(similar, "QUERY_TERMS", 20)
    letter = VOICES["water"] + "。" + "".join(VOICES.values()) + SIMP_FENCE + SIMP_DOOR
    index = TextIndex({**VOICES, "letter": letter})
    assert len(terms(normalize(letter))) > similar.QUERY_TERMS
    assert index.search(letter)[0] == "letter"
    assert "water" in index.search(letter)


def test_the_postings_budget_skips_the_commonest_bigrams(monkeypatch):
    docs = {f"d{i}": f"楼道灯坏了{i}号" for i in range(300)}
    docs["rare"] = "楼道灯坏了井盖松动"
    index = TextIndex(docs)
    monkeypatch.setattr(similar, "POSTINGS_BUDGET", 10)
    # The rare bigrams (井盖, 松动…) are walked; the common ones exceed the budget and are skipped.
    assert index.search("楼道灯坏了井盖松动")[0] == "rare"


def test_compaction_after_many_replacements_keeps_results_and_order():
    index = TextIndex({"keep": "楼道灯坏了", "other": "楼道灯坏了一个月"})
    for round_ in range(3):
        for i in range(1500):
            index.add(f"churn{i}", f"第{round_}轮{i}号垃圾房满了")
    for i in range(1500):
        index.remove(f"churn{i}")
    assert len(index) == 2
    assert len(index._names) < 3000  # compacted: dead slots do not pile up
    assert index.search("楼道灯坏了") == ["keep", "other"]
    assert index.search("垃圾房满了") == []


def test_iteration_lists_the_ids(index):
    assert sorted(index) == sorted(VOICES)
    assert "lamp" in index and "nope" not in index and 3 not in index


def test_searching_while_another_thread_adds():
    index = TextIndex({str(i): f"{i}栋楼道灯坏了" for i in range(200)})
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for i in range(200, 1200):
                index.add(str(i), f"{i}栋垃圾房满了")
        except BaseException as exc:  # pragma: no cover - the failure is asserted below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    for _ in range(300):
        assert len(index.search("楼道灯坏了")) == 5
    thread.join()
    assert errors == []
    assert len(index) == 1200


# --- properties ---------------------------------------------------------------------------------------------

CHINESE = st.text(alphabet="楼道灯坏了垃圾房满停车小区门禁围栏路漏水井盖狗。，！ 3５", min_size=0, max_size=30)
DOCS = st.dictionaries(st.text(alphabet="abcdefgh", min_size=1, max_size=3), CHINESE, max_size=25)


@FEW
@given(docs=DOCS, query=CHINESE, k=st.integers(min_value=0, max_value=8))
def test_results_are_distinct_indexed_ids_at_most_k(docs, query, k):
    hits = TextIndex(docs).search(query, k=k)
    assert len(hits) <= k
    assert len(set(hits)) == len(hits)
    assert set(hits) <= set(docs)


@FEW
@given(docs=DOCS)
def test_every_text_finds_itself_first_among_distinct_texts(docs):
    by_text: dict[str, str] = {}
    for doc_id, text in docs.items():
        by_text.setdefault(normalize(text), doc_id)
    distinct = {doc_id: text for doc_id, text in docs.items() if by_text[normalize(text)] == doc_id}
    index = TextIndex(distinct)
    for doc_id, text in distinct.items():
        if normalize(text):
            assert index.search(text, k=3)[0] == doc_id


@FEW
@given(docs=DOCS, query=CHINESE)
def test_search_is_deterministic_and_independent_of_building_incrementally(docs, query):
    built = TextIndex(docs)
    grown = TextIndex()
    for doc_id, text in docs.items():
        grown.add(doc_id, text)
    assert built.search(query) == built.search(query) == grown.search(query)


@FEW
@given(docs=DOCS, query=CHINESE)
def test_punctuation_and_script_never_change_results(docs, query):
    import opencc

    index = TextIndex(docs)
    noisy = "，".join(query) + "！"
    assert index.search(noisy) == index.search(query)
    assert index.search(opencc.OpenCC("s2t").convert(query)) == index.search(query)


@FEW
@given(docs=DOCS, removed=st.sets(st.text(alphabet="abcdefgh", min_size=1, max_size=3)), query=CHINESE)
def test_removed_ids_never_come_back(docs, removed, query):
    index = TextIndex(docs)
    for doc_id in removed:
        index.discard(doc_id)
    hits = index.search(query, k=10)
    assert not set(hits) & removed
    rebuilt = TextIndex({d: t for d, t in docs.items() if d not in removed})
    assert hits == rebuilt.search(query, k=10)
