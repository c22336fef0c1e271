/* The client page's business chart: reads the figures json_script put in #business-data and draws them with
   the vendored Chart.js. No inline script (CSP); without JavaScript the table below the chart has the same data. */
(function () {
  "use strict";

  function drawBusinessChart() {
    var source = document.getElementById("business-data");
    var canvas = document.getElementById("business-chart");
    if (!source || !canvas || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: canvas.dataset.label || "",
            data: data.volumes.map(Number),
            backgroundColor: "rgba(13, 110, 253, 0.6)",
            borderColor: "rgba(13, 110, 253, 1)",
            borderWidth: 1,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true } },
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawBusinessChart);
  } else {
    drawBusinessChart();
  }
})();
