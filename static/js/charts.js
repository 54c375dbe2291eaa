// Draw Chart.js charts from data blocks; no inline script (CSP). Each canvas names its data.
(function () {
  "use strict";
  function draw() {
    if (typeof window.Chart === "undefined") { return; }
    var palette = ["#0017c1", "#00118f", "#3460fb", "#7096f8", "#9db7f9", "#c5d7fb", "#264af4"];
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chartSource);
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      var type = canvas.dataset.chart;
      new window.Chart(canvas, {
        type: type,
        data: {
          labels: data.labels,
          datasets: (data.datasets || [{ label: data.label, data: data.values }]).map(function (ds, i) {
            return Object.assign({
              backgroundColor: type === "line" ? "transparent" : palette[i % palette.length],
              borderColor: palette[i % palette.length],
              borderWidth: type === "line" ? 2 : 0,
              pointRadius: type === "line" ? 0 : undefined
            }, ds);
          })
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          indexAxis: canvas.dataset.axis || "x",
          plugins: { legend: { display: !!data.datasets } },
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
        }
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
