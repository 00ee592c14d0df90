/* Time bank statistics charts. Data from the page's {{ chart|json_script:"timebank-stats" }} (numbers and
   translated labels); nothing here is evaluated from the page. Same look as the 社情民意 charts: the page's font,
   legible on a phone and in large-font. */
(function () {
  "use strict";
  function start() {
    var node = document.getElementById("timebank-stats");
    if (!node || !window.echarts) { return; }
    var data = JSON.parse(node.textContent);
    var style = window.getComputedStyle(document.body);
    var font = style.fontFamily;
    var size = Math.max(12, Math.round(parseFloat(style.fontSize) * 0.8));
    var large = document.body.classList.contains("large-font");
    var color = large ? "#000" : "#1f2328";
    var palette = large ? ["#00308f", "#8a0000", "#1a5e20"] : ["#0b57d0", "#b3261e", "#1a7f37"];
    var narrow = window.innerWidth < 480;
    function axis(rotate) { return { fontFamily: font, fontSize: size, color: color, interval: 0, rotate: narrow && rotate ? 40 : 0 }; }
    function chart(id, option) {
      var el = document.getElementById(id);
      if (!el) { return null; }
      var c = window.echarts.init(el, null, { renderer: "canvas" });
      c.setOption(Object.assign({
        color: palette, animation: false,
        textStyle: { fontFamily: font, fontSize: size, color: color },
        tooltip: { trigger: "axis", textStyle: { fontFamily: font } },
        grid: { left: 8, right: 16, bottom: 36, top: 48, containLabel: true }
      }, option, { title: { text: option.title, left: "center", textStyle: { fontFamily: font, fontSize: size + 2, color: color } } }));
      return c;
    }
    function bars(id, title, labels, values) {
      return chart(id, {
        title: title,
        xAxis: { type: "category", data: labels, axisLabel: axis(true) },
        yAxis: { type: "value", minInterval: 1, axisLabel: { fontFamily: font, color: color } },
        series: [{ type: "bar", name: data.series.hours, data: values, label: { show: true, position: "top" } }]
      });
    }
    var charts = [
      chart("chart-trend", {
        title: data.titles.trend,
        legend: { bottom: 0, textStyle: { fontFamily: font, fontSize: size, color: color } },
        xAxis: { type: "category", data: data.months, axisLabel: axis(true) },
        yAxis: [{ type: "value", minInterval: 1 }, { type: "value", minInterval: 1 }],
        series: [
          { type: "bar", name: data.series.hours, data: data.trend_hours },
          { type: "line", name: data.series.services, data: data.trend_services, yAxisIndex: 1 }
        ]
      }),
      bars("chart-types", data.titles.types, data.types, data.types_hours),
      bars("chart-grids", data.titles.grids, data.grids, data.grids_hours),
      bars("chart-teams", data.titles.teams, data.teams, data.teams_hours)
    ];
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) { window.clearTimeout(pending); }
      pending = window.setTimeout(function () { charts.forEach(function (c) { if (c) { c.resize(); } }); }, 150);
    });
    document.body.setAttribute("data-charts", String(charts.filter(Boolean).length));
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
