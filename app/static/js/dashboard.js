/* The director's dashboard: draws each chart from the data embedded in the page.
   Every chart has its table beside it in the page, so nothing is lost without this script. */
(function () {
  "use strict";

  // Without the charting library (or the data), the tables in the page say it all.
  if (typeof Chart === "undefined" || !document.getElementById("dashboard-data")) { return; }

  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var text = JSON.parse(document.getElementById("dashboard-i18n").textContent);
  var locale = document.documentElement.lang || "fr";
  var numbers = new Intl.NumberFormat(locale);
  // Dark enough for text-level contrast on white, and distinct for colour-blind readers.
  var PALETTE = ["#1d4e89", "#c2410c", "#0f6e63", "#6a3d9a", "#8a5a00", "#b3261e",
                 "#4d5661", "#2f6f9f", "#7a4f9e", "#3d7a2a"];
  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  Chart.defaults.color = "#1b1f24";
  Chart.defaults.font.size = 14;
  Chart.defaults.maintainAspectRatio = false;
  if (reducedMotion) { Chart.defaults.animation = false; }

  function pick(path) {
    return path.split(".").reduce(function (node, key) {
      return node == null ? node : node[key];
    }, data);
  }

  function share(part, whole) { return whole ? Math.round(part * 1000 / whole) / 10 : 0; }

  function sum(values) { return values.reduce(function (a, b) { return a + b; }, 0); }

  // Long labels wrap onto several lines at spaces, never cut: a funder reads them whole.
  function shortLabel(label) {
    if (label.length <= 26) return label;
    var lines = [], line = "";
    label.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > 26) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    if (line) lines.push(line);
    return lines;
  }

  function countAxis(horizontal) {
    var values = { beginAtZero: true, ticks: { precision: 0, callback: function (v) { return numbers.format(v); } } };
    var categories = { ticks: { autoSkip: false, callback: function (value) {
      return shortLabel(String(this.getLabelForValue(value)));
    } } };
    return horizontal ? { x: values, y: categories } : { y: values, x: categories };
  }

  /* Give a horizontal chart enough height for every bar and every line of its label. */
  function fitHeight(canvas, labels, barsPerLabel) {
    var height = labels.reduce(function (total, label) {
      var lines = [].concat(shortLabel(String(label))).length;
      return total + Math.max(26 * (barsPerLabel || 1), lines * 15 + 12);
    }, 0);
    canvas.parentElement.style.height = Math.max(180, height + 70) + "px";
  }

  function barChart(canvas) {
    var rows = pick(canvas.getAttribute("data-source")) || [];
    var horizontal = canvas.hasAttribute("data-horizontal");
    if (horizontal) { fitHeight(canvas, rows.map(function (row) { return row.label; })); }
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(function (row) { return row.label; }),
        datasets: [{ label: canvas.getAttribute("data-series"),
                     data: rows.map(function (row) { return row.value; }),
                     backgroundColor: PALETTE[0] }]
      },
      options: { indexAxis: horizontal ? "y" : "x", scales: countAxis(horizontal),
                 plugins: { legend: { display: false } } }
    });
  }

  function profileChart(canvas) {
    var rows = pick(canvas.getAttribute("data-source")) || [];
    fitHeight(canvas, rows.map(function (row) { return row.label; }), 2);
    var arrivals = sum(rows.map(function (row) { return row.arrivals; }));
    var interviews = sum(rows.map(function (row) { return row.interviews; }));
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(function (row) { return row.label; }),
        datasets: [
          { label: text.arrivals, backgroundColor: PALETTE[0],
            data: rows.map(function (row) { return share(row.arrivals, arrivals); }) },
          { label: text.interviewShare, backgroundColor: PALETTE[1],
            data: rows.map(function (row) { return share(row.interviews, interviews); }) }
        ]
      },
      options: { indexAxis: "y",
                 scales: { x: { beginAtZero: true, ticks: { callback: function (v) { return v + " %"; } } },
                           y: { ticks: { autoSkip: false, callback: function (value) {
                             return shortLabel(String(this.getLabelForValue(value)));
                           } } } },
                 plugins: { legend: { position: "bottom" } } }
    });
  }

  function genderPoleChart(canvas) {
    var split = data.profile.gender_by_pole;
    var labels = [];
    var rows = [];
    split.poles.forEach(function (pole) {
      labels.push(pole.label + " · " + text.arrivalsShort);
      rows.push(pole.arrivals);
      labels.push(pole.label + " · " + text.interviewsShort);
      rows.push(pole.interviews);
    });
    fitHeight(canvas, labels);
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: split.genders.map(function (gender, index) {
          return { label: gender.label, backgroundColor: PALETTE[index % PALETTE.length],
                   data: rows.map(function (values) { return share(values[index], sum(values)); }) };
        })
      },
      options: { indexAxis: "y",
                 scales: { x: { stacked: true, max: 100, ticks: { callback: function (v) { return v + " %"; } } },
                           y: { stacked: true, ticks: { autoSkip: false } } },
                 plugins: { legend: { position: "bottom" } } }
    });
  }

  function attendanceChart(canvas) {
    var chart = new Chart(canvas, {
      type: "bar",
      data: { labels: [], datasets: [
        { label: text.visitors, data: [], backgroundColor: PALETTE[0], order: 2 },
        // Counts are joined by straight segments: a curve would invent values between days.
        { label: text.interviews, data: [], type: "line", borderColor: PALETTE[1], tension: 0,
          backgroundColor: PALETTE[1], pointRadius: 2, order: 1, yAxisID: "y1" }
      ] },
      options: {
        scales: {
          // Interviews are ten times fewer than visitors: they get their own scale, on the right.
          y: { beginAtZero: true, title: { display: true, text: text.visitors },
               ticks: { precision: 0, callback: function (v) { return numbers.format(v); } } },
          y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false },
                title: { display: true, text: text.interviews, color: PALETTE[1] },
                ticks: { precision: 0, color: PALETTE[1], callback: function (v) { return numbers.format(v); } } }
        },
        plugins: { legend: { position: "bottom" } }
      }
    });
    function show(grain) {
      var points = data.attendance[grain] || [];
      chart.data.labels = points.map(function (p) { return p.label; });
      chart.data.datasets[0].data = points.map(function (p) { return p.visitors; });
      chart.data.datasets[1].data = points.map(function (p) { return p.interviews; });
      chart.update();
      canvas.setAttribute("data-grain", grain);
    }
    var switcher = document.querySelector(".grain-switch");
    if (switcher) {
      switcher.hidden = false;
      switcher.addEventListener("change", function (event) {
        if (event.target.name === "grain") { show(event.target.value); }
      });
      var checked = switcher.querySelector("input:checked");
      show(checked ? checked.value : "month");
    } else {
      show("month");
    }
    return chart;
  }

  function yearOnYearChart(canvas) {
    var months = data.year_on_year.months;
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: months.map(function (m) { return m.label; }),
        datasets: [
          { label: text.current, data: months.map(function (m) { return m.current; }),
            backgroundColor: PALETTE[0] },
          { label: text.previous, data: months.map(function (m) { return m.previous; }),
            backgroundColor: "#9aa9bb" }
        ]
      },
      options: { scales: countAxis(false), plugins: { legend: { position: "bottom" } } }
    });
  }

  var builders = { bar: barChart, profile: profileChart, "gender-pole": genderPoleChart,
                   attendance: attendanceChart, yoy: yearOnYearChart };
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var build = builders[canvas.getAttribute("data-chart")];
    if (build) {
      build(canvas);
      canvas.setAttribute("data-rendered", "1");
    }
  });
})();
