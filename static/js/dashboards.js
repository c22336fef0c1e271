/* The dashboards' charts. Each <canvas data-chart="ID"> is drawn from the JSON that json_script wrote into the
   element #ID (config.dashboards.Chart.data) with the vendored Chart.js. No inline script (CSP); without
   JavaScript the table under each chart has the same figures. */
(function () {
  "use strict";

  var COLOURS = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#dc3545", "#6c757d"];
  // Stacked band charts read best in the band colours of the result pages (excellent, good, pass, fail).
  var BAND_COLOURS = ["#198754", "#0d6efd", "#6c757d", "#dc3545"];

  function dataset(spec, series, index) {
    var colours = spec.stacked && spec.datasets.length === 4 ? BAND_COLOURS : COLOURS;
    var colour = colours[index % colours.length];
    return {
      label: series.label,
      data: series.data,
      backgroundColor: spec.kind === "line" ? colour + "33" : colour + "cc",
      borderColor: colour,
      borderWidth: spec.kind === "line" ? 2 : 1,
      fill: spec.kind === "line" && spec.percent,
      pointRadius: spec.kind === "line" && series.data.length > 20 ? 0 : 3,
      tension: 0.2,
    };
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var datasets = spec.datasets.map(function (series, index) {
      return dataset(spec, series, index);
    });
    if (spec.reference !== null && spec.reference !== undefined) {
      datasets.push({
        label: spec.reference_label,
        data: spec.labels.map(function () {
          return spec.reference;
        }),
        borderColor: "#dc3545",
        borderDash: [6, 4],
        borderWidth: 1,
        pointRadius: 0,
        fill: false,
      });
    }
    var yTicks = spec.percent
      ? {
          callback: function (value) {
            return value + "%";
          },
        }
      : { precision: 0 };
    new window.Chart(canvas, {
      type: spec.kind,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: datasets.length > 1, position: "bottom" } },
        scales: {
          x: { stacked: spec.stacked, ticks: { autoSkip: true, maxRotation: 45 } },
          y: { stacked: spec.stacked, beginAtZero: true, max: spec.y_max || undefined, ticks: yTicks },
        },
      },
    });
  }

  function drawAll() {
    if (typeof window.Chart === "undefined") {
      return;
    }
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
