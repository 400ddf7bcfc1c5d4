/* The live floor board: draws the hourly chart, then refreshes the figures every minute.
   The page is complete without this script; it only keeps it current. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("floor-data").textContent);
  var config = JSON.parse(document.getElementById("floor-config").textContent);
  var numbers = new Intl.NumberFormat(document.documentElement.lang || "fr");
  var status = document.getElementById("floor-updated");
  var chart = null;

  /* Flatten the figures into {"totals.visitors.today": 12, "hours.10.today": 3, ...},
     the keys the page's data-figure attributes use. */
  function figures(payload) {
    var flat = {};
    Object.keys(payload.totals).forEach(function (name) {
      Object.keys(payload.totals[name]).forEach(function (column) {
        flat["totals." + name + "." + column] = payload.totals[name][column];
      });
    });
    payload.hours.forEach(function (row) {
      flat["hours." + row.hour + ".today"] = row.today;
      flat["hours." + row.hour + ".last_week"] = row.last_week;
    });
    ["destinations", "interviews_by_pole", "events"].forEach(function (part) {
      (payload[part] || []).forEach(function (row) {
        flat[part + "." + row.code + ".today"] = row.today;
        flat[part + "." + row.code + ".last_week"] = row.last_week;
      });
    });
    return flat;
  }

  /* The rows the page was drawn with; when they change (a new hour, a new day), reload. */
  function shape(payload) {
    return JSON.stringify([
      payload.date, payload.site.code,
      payload.hours.map(function (row) { return row.hour; }),
      payload.destinations.map(function (row) { return row.code; }),
      payload.interviews_by_pole.map(function (row) { return row.code; })
    ]);
  }

  function drawChart(payload) {
    var canvas = document.getElementById("chart-floor-hours");
    if (!canvas || typeof Chart === "undefined") { return; }
    var labels = payload.hours.map(function (row) { return row.label; });
    var today = payload.hours.map(function (row) { return row.today; });
    var before = payload.hours.map(function (row) { return row.last_week; });
    if (chart) {
      chart.data.labels = labels;
      chart.data.datasets[0].data = today;
      chart.data.datasets[1].data = before;
      chart.update("none");
      return;
    }
    Chart.defaults.color = "#1b1f24";
    Chart.defaults.font.size = 16;
    chart = new Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          { label: config.today, data: today, backgroundColor: "#1d4e89" },
          { label: config.lastWeek + " (" + payload.compare_label + ")", data: before,
            backgroundColor: "#b9c6d6" }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  function apply(payload) {
    var flat = figures(payload);
    document.querySelectorAll("[data-figure]").forEach(function (cell) {
      var value = flat[cell.getAttribute("data-figure")];
      if (value !== undefined) { cell.textContent = numbers.format(value); }
    });
    drawChart(payload);
    status.textContent = config.updatedAt.replace("{time}", payload.updated_at);
    status.classList.remove("pill-offline");
  }

  function refresh() {
    fetch(config.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        // An expired session answers with the HTML login page: that is no data.
        if (!response.ok || response.redirected || type.indexOf("application/json") === -1) {
          throw new Error("no data");
        }
        return response.json();
      })
      .then(function (payload) {
        if (shape(payload) !== shape(data)) {
          window.location.reload();
          return;
        }
        data = payload;
        apply(payload);
      })
      .catch(function () {
        status.textContent = config.stale;
        status.classList.add("pill-offline");
      });
  }

  var fullscreen = document.getElementById("floor-fullscreen");
  if (fullscreen && document.fullscreenEnabled) {
    fullscreen.hidden = false;
    fullscreen.addEventListener("click", function () {
      if (document.fullscreenElement) { document.exitFullscreen(); }
      else { document.documentElement.requestFullscreen(); }
    });
  }

  drawChart(data);
  window.setInterval(refresh, config.refreshSeconds * 1000);
})();
