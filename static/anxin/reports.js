// Draws the report charts from the page's JSON (no inline script: the CSP forbids it).
// A click on a bar or slice opens the orders behind it (the queue with the same filters).
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("chart-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var colour = "#0b6e4f";
  document.querySelectorAll("[data-chart]").forEach(function (box) {
    var s = data[box.dataset.chart];
    if (!s || !s.values.length) { box.classList.add("empty"); return; }
    var kind = box.dataset.kind, option;
    var grid = { left: 8, right: 16, top: 16, bottom: 8, containLabel: true };
    if (kind === "pie") {
      option = { tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" }, legend: { bottom: 0, type: "scroll" },
        series: [{ type: "pie", radius: ["35%", "62%"], center: ["50%", "45%"], label: { show: false },
          data: s.labels.map(function (l, i) { return { name: l, value: s.values[i] }; }) }] };
    } else if (kind === "hbar") {
      option = { grid: grid, tooltip: { trigger: "axis" }, xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: s.labels.slice().reverse() },
        series: [{ type: "bar", data: s.values.slice().reverse(), itemStyle: { color: colour }, label: { show: true, position: "right" } }] };
    } else {
      var percent = kind === "percent";
      option = { grid: grid, tooltip: { trigger: "axis" }, xAxis: { type: "category", data: s.labels },
        yAxis: percent ? { type: "value", max: 100, axisLabel: { formatter: "{value}%" } } : { type: "value", minInterval: 1 },
        series: [{ type: "bar", data: s.values, itemStyle: { color: colour }, label: { show: s.values.length <= 16, position: "top" } }] };
    }
    option.animation = false;  // figures, not a show: drawn at once (and printed as they are)
    var chart = window.echarts.init(box, null, { renderer: "canvas" });
    chart.setOption(option);
    box.dataset.rendered = "1";
    chart.on("click", function (p) {
      var i = kind === "hbar" ? s.values.length - 1 - p.dataIndex : p.dataIndex;
      if (s.urls && s.urls[i]) { window.location.href = s.urls[i]; }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
  document.querySelectorAll("[data-print]").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });
});
