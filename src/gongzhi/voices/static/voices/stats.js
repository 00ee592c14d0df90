/* 社情民意 statistics charts. The data comes from {{ chart|json_script:"voice-stats" }} (numbers and already
   translated labels); nothing here is evaluated from the page. Charts use the page's own CJK font and resize
   with the viewport, so they stay legible on a phone and in the large-font mode. */
(function () {
  "use strict";

  function start() {
    var node = document.getElementById("voice-stats");
    if (!node || !window.echarts) { return; }
    var data = JSON.parse(node.textContent);
    var style = window.getComputedStyle(document.body);
    var font = style.fontFamily;
    var size = Math.max(12, Math.round(parseFloat(style.fontSize) * 0.8));
    var large = document.body.classList.contains("large-font");
    var color = large ? "#000" : "#1f2328";
    var palette = large ? ["#8a0000", "#00308f", "#1a5e20", "#5c3c00"] : ["#b3261e", "#0b57d0", "#1a7f37", "#9a6700"];
    var base = {
      color: palette,
      textStyle: { fontFamily: font, fontSize: size, color: color },
      title: { left: "center", textStyle: { fontFamily: font, fontSize: size + 2, color: color } },
      tooltip: { trigger: "axis", textStyle: { fontFamily: font } },
      grid: { left: 8, right: 16, bottom: 8, top: 48, containLabel: true },
      animation: false
    };

    function chart(id, option) {
      var el = document.getElementById(id);
      if (!el) { return null; }
      var c = window.echarts.init(el, null, { renderer: "canvas" });
      var merged = Object.assign({}, base, option);
      merged.title = Object.assign({}, base.title, option.title);
      c.setOption(merged);
      return c;
    }

    function axisLabel(rotateOnPhone) {
      var narrow = window.innerWidth < 480;
      return { fontFamily: font, fontSize: size, color: color, interval: 0, rotate: narrow && rotateOnPhone ? 40 : 0 };
    }

    var charts = [
      chart("chart-volume", {
        title: { text: data.titles.volume },
        xAxis: { type: "category", data: data.categories, axisLabel: axisLabel(true) },
        yAxis: { type: "value", minInterval: 1, axisLabel: { fontFamily: font, color: color } },
        series: [{ type: "bar", name: data.series.count, data: data.volume, label: { show: true, position: "top" } }]
      }),
      chart("chart-trend", {
        title: { text: data.titles.trend },
        legend: { bottom: 0, textStyle: { fontFamily: font, fontSize: size, color: color } },
        grid: { left: 8, right: 16, bottom: 36, top: 48, containLabel: true },
        xAxis: { type: "category", data: data.months, axisLabel: axisLabel(true) },
        yAxis: { type: "value", minInterval: 1, axisLabel: { fontFamily: font, color: color } },
        series: [
          { type: "line", name: data.series.total, data: data.trend_total },
          { type: "line", name: data.series.closed, data: data.trend_closed },
          { type: "line", name: data.series.overdue, data: data.trend_overdue }
        ]
      }),
      chart("chart-satisfaction", {
        title: { text: data.titles.satisfaction },
        xAxis: { type: "category", data: data.ratings, axisLabel: axisLabel(false) },
        yAxis: { type: "value", minInterval: 1, axisLabel: { fontFamily: font, color: color } },
        series: [{ type: "bar", name: data.series.count, data: data.distribution, label: { show: true, position: "top" } }]
      }),
      chart("chart-overdue", {
        title: { text: data.titles.overdue },
        xAxis: { type: "category", data: data.parties, axisLabel: axisLabel(true) },
        yAxis: { type: "value", max: 100, axisLabel: { fontFamily: font, color: color } },
        series: [{ type: "bar", name: data.titles.overdue, data: data.overdue, label: { show: true, position: "top" } }]
      })
    ];

    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) { window.clearTimeout(pending); }
      pending = window.setTimeout(function () {
        charts.forEach(function (c) { if (c) { c.resize(); } });
      }, 150);
    });
    document.body.setAttribute("data-charts", String(charts.filter(Boolean).length));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
