"""Duplicate suggestion: `rules.similar.TextIndex` over 100,000 synthetic voices (target: p95 `search` < 50 ms).

The texts are generated from templates, places × problems × details × time ("3栋2单元楼道灯坏了一个星期"), about
one in five converted to traditional characters with OpenCC s2t, some with full-width digits and punctuation.
They are synthetic: no names, phones or addresses of real people.

Queries (seeded, 1,000 by default):
- near duplicates: an indexed text rewritten the way a second resident would (other punctuation, the other
  script, a word dropped or added, full-width digits); the figure "recall@5" is how often its source (or a text
  identical to it once normalised: the templates repeat) is in the top 5;
- fresh texts from the same templates (related voices, not copies);
- one in a hundred is a 1,000-character letter of such texts (the worst case: many very common bigrams);
- unrelated sentences (weather, a lost cat, a thank-you), which should mostly give [] ("unrelated → []").

Prints the figures, then one JSON line. `BENCH_SIMILAR_DOCS` and `BENCH_SIMILAR_QUERIES` change the sizes.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import opencc

from gongzhi.rules.similar import TextIndex, normalize

DOCS = int(os.environ.get("BENCH_SIMILAR_DOCS", "100000"))
QUERIES = int(os.environ.get("BENCH_SIMILAR_QUERIES", "1000"))
K = 5

S2T = opencc.OpenCC("s2t")
T2S = opencc.OpenCC("t2s")

COMPOUNDS = ["花园小区", "颐院", "锦绣苑", "东风里", "新村", "翠湖湾", "和平院落", "南苑", "北苑", "滨江花园"]
SPOTS = [
    "{b}栋{u}单元楼道",
    "{b}栋楼下",
    "{b}栋{u}单元门口",
    "{b}栋电梯",
    "{b}栋{u}单元{f}楼",
    "小区北门",
    "小区南门",
    "地下车库{z}区",
    "{b}栋旁边的垃圾房",
    "中心花园",
    "健身器材旁",
    "{b}栋后面的小路",
    "消防通道",
    "快递柜旁边",
    "停车场出口",
]
PROBLEMS = [
    "的灯坏了",
    "的路灯不亮",
    "一直有人乱停车",
    "被电动车堵住了",
    "垃圾满了没人清理",
    "垃圾桶臭气熏天",
    "的门禁坏了，陌生人随便进出",
    "的围栏倒了",
    "漏水很严重",
    "的井盖松动了",
    "晚上有人大声喧哗",
    "有人在楼道里堆放杂物",
    "的监控摄像头不亮",
    "有野狗出没，孩子害怕",
    "的地面塌陷了一块",
    "的电梯经常停运",
    "电动车充电线从楼上拉下来",
    "的树枝挡住了窗户",
    "下水道堵了",
    "的自来水发黄",
]
DETAILS = [
    "",
    "，已经一个星期了",
    "，已经半个月了",
    "，晚上出门很不方便",
    "，老人差点摔倒",
    "，希望物业尽快处理",
    "，给物业打过电话没人管",
    "，请社区帮忙协调",
    "，存在安全隐患",
    "，孩子上学要经过这里",
    "，麻烦尽快派人看看",
    "，好几户居民都有意见",
]
UNRELATED = [
    "今天天气真好，适合出去散步",
    "谢谢网格员上次帮我们家修水管",
    "请问社区的书法班什么时候开课",
    "我家的橘猫走丢了，黄白相间",
    "周末有没有亲子活动可以报名",
    "感谢志愿者们过年期间的辛苦付出",
    "想咨询一下医保卡怎么办理",
    "老年大学的合唱团还招人吗",
    "明天下午三点开会记得带身份证复印件",
    "图书角新到了一批儿童绘本",
]


def voice_text(rng: random.Random) -> str:
    spot = rng.choice(SPOTS).format(
        b=rng.randint(1, 30), u=rng.randint(1, 4), f=rng.randint(1, 18), z=rng.choice("ABC")
    )
    text = rng.choice(COMPOUNDS) + spot + rng.choice(PROBLEMS) + rng.choice(DETAILS)
    if rng.random() < 0.3:
        text = text[len(text) // 10 :] if rng.random() < 0.5 else text.split("，")[0]
    if rng.random() < 0.2:
        text = S2T.convert(text)
    return text


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def near_duplicate(text: str, rng: random.Random) -> str:
    """What a second resident types about the same problem."""
    out = text.replace("，", rng.choice(["。", "！", " ", "，，", ""]))
    if rng.random() < 0.5:
        out = S2T.convert(out) if rng.random() < 0.5 else T2S.convert(out)
    if rng.random() < 0.3:
        out = out.translate(FULL_WIDTH)
    if rng.random() < 0.4 and len(out) > 8:
        at = rng.randrange(2, len(out) - 2)
        out = out[:at] + out[at + 2 :]
    if rng.random() < 0.3:
        out += rng.choice(["，谢谢", "!!", "，急", "。"])
    return out


def percentile(sorted_ms: list[float], p: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, round(p / 100 * (len(sorted_ms) - 1)))]


def main() -> None:
    rng = random.Random(5)
    docs = {str(i): voice_text(rng) for i in range(DOCS)}
    t0 = time.perf_counter()
    index = TextIndex(docs)
    build_s = time.perf_counter() - t0

    queries: list[tuple[str, str, str | None]] = []  # (kind, text, the id it copies)
    ids = list(docs)
    for i in range(QUERIES):
        kind = ("near", "fresh", "near", "unrelated", "fresh")[i % 5] if i % 100 else "long"
        if kind == "near":
            source = rng.choice(ids)
            queries.append((kind, near_duplicate(docs[source], rng), source))
        elif kind == "fresh":
            queries.append((kind, voice_text(rng), None))
        elif kind == "long":  # a whole letter pasted in: 1,000 characters of common bigrams
            letter = ""
            while len(letter) < 1000:
                letter += voice_text(rng) + "。"
            queries.append((kind, letter[:1000], None))
        else:
            queries.append((kind, rng.choice(UNRELATED) + rng.choice(["", "。", "？", "！"]), None))

    for _, text, _ in queries[:20]:  # warm up
        index.search(text, K)
    times: list[float] = []
    found = near = unrelated_empty = unrelated = 0
    for kind, text, source in queries:
        t = time.perf_counter()
        hits = index.search(text, K)
        times.append((time.perf_counter() - t) * 1000)
        if kind == "near":
            near += 1
            # The templates repeat: a text identical to the source (after normalising) counts as finding it.
            assert source is not None
            target = normalize(docs[source])
            found += any(normalize(docs[h]) == target for h in hits)
        elif kind == "unrelated":
            unrelated += 1
            unrelated_empty += not hits
    times.sort()
    result = {
        "docs": DOCS,
        "queries": len(queries),
        "build_s": round(build_s, 2),
        "p50_ms": round(percentile(times, 50), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "p99_ms": round(percentile(times, 99), 2),
        "mean_ms": round(statistics.fmean(times), 2),
        "max_ms": round(times[-1], 2),
        "near_duplicate_recall_at_5": round(found / near, 3) if near else None,
        "unrelated_empty": round(unrelated_empty / unrelated, 3) if unrelated else None,
        "target_p95_ms": 50,
    }
    print(
        f"TextIndex.search over {DOCS:,} voices: build {result['build_s']} s, "
        f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms (target p95 < 50 ms); "
        f"near-duplicate recall@5 {result['near_duplicate_recall_at_5']}, unrelated → [] {result['unrelated_empty']}"
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
