// Draws the "My game" charts with the vendored Chart.js from the numbers the
// page embeds (#analytics-data, already in the viewer's units). The same
// numbers are in the tables, so the page says everything without script.
(function () {
  "use strict";

  // The comparison report's print button (no inline handlers).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  var source = document.getElementById("analytics-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var distance = data.units.distance;
  var speed = data.units.speed;
  var FLAGGED = "#a12b1f";
  var PALETTE = ["#0f3d2e", "#2f7d5b", "#5aa17f", "#c28b2c", "#6b5ca5", "#2b6cb0", "#b5476b", "#4a5568"];

  function colour(index) {
    return PALETTE[index % PALETTE.length];
  }

  function gappingChart() {
    var canvas = document.getElementById("gapping-chart");
    var clubs = data.clubs.filter(function (club) { return club.stock !== null; });
    if (!canvas || clubs.length === 0) {
      return;
    }
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: clubs.map(function (club) { return club.label; }),
        datasets: [
          {
            label: "Middle half of carries (" + distance + ")",
            data: clubs.map(function (club) { return [club.p25, club.p75]; }),
            backgroundColor: clubs.map(function (club) { return club.flagged ? "#e8b4ae" : "#b9d3c6"; }),
            borderColor: clubs.map(function (club) { return club.flagged ? FLAGGED : "#2f7d5b"; }),
            borderWidth: 1,
          },
          {
            type: "line",
            label: "Stock carry (" + distance + ")",
            data: clubs.map(function (club) { return club.stock; }),
            showLine: false,
            pointStyle: "rectRot",
            pointRadius: 6,
            pointBackgroundColor: clubs.map(function (club) { return club.flagged ? FLAGGED : "#0f3d2e"; }),
          },
        ],
      },
      options: {
        maintainAspectRatio: false,
        scales: { y: { title: { display: true, text: "Carry (" + distance + ")" } } },
      },
    });
  }

  // The 2-σ box's inscribed ellipse, as points for a closed line.
  function ellipse(box) {
    var centreSide = (box.side_low + box.side_high) / 2;
    var centreCarry = (box.carry_low + box.carry_high) / 2;
    var radiusSide = (box.side_high - box.side_low) / 2;
    var radiusCarry = (box.carry_high - box.carry_low) / 2;
    var points = [];
    for (var step = 0; step <= 48; step += 1) {
      var angle = (step / 48) * 2 * Math.PI;
      points.push({ x: centreSide + radiusSide * Math.cos(angle), y: centreCarry + radiusCarry * Math.sin(angle) });
    }
    return points;
  }

  function dispersionCharts() {
    var byClub = {};
    data.clubs.forEach(function (club) { byClub[club.club] = club; });
    document.querySelectorAll("canvas.dispersion-chart").forEach(function (canvas) {
      var club = byClub[canvas.dataset.club];
      if (!club) {
        return;
      }
      var datasets = [
        {
          label: club.label,
          data: club.points.map(function (point) { return { x: point[0], y: point[1] }; }),
          backgroundColor: "rgba(15, 61, 46, 0.55)",
          pointRadius: 3,
        },
      ];
      if (club.box) {
        datasets.push({
          label: "95% ellipse",
          data: ellipse(club.box),
          showLine: true,
          pointRadius: 0,
          borderColor: "#c28b2c",
          borderWidth: 2,
          fill: false,
        });
      }
      new Chart(canvas, {
        type: "scatter",
        data: { datasets: datasets },
        options: {
          maintainAspectRatio: false,
          plugins: { title: { display: true, text: club.label } },
          scales: {
            x: { title: { display: true, text: "Left − / right + (" + distance + ")" } },
            y: { title: { display: true, text: "Carry (" + distance + ")" } },
          },
        },
      });
    });
  }

  function trendChart(canvasId, metric, unit, title) {
    var canvas = document.getElementById(canvasId);
    if (!canvas) {
      return;
    }
    var weeks = [];
    data.clubs.forEach(function (club) {
      club.trend.weeks.forEach(function (week) {
        if (weeks.indexOf(week) === -1) {
          weeks.push(week);
        }
      });
    });
    weeks.sort();
    var datasets = data.clubs.map(function (club, index) {
      var byWeek = {};
      club.trend.weeks.forEach(function (week, position) { byWeek[week] = club.trend[metric][position]; });
      return {
        label: club.label,
        data: weeks.map(function (week) { return week in byWeek ? byWeek[week] : null; }),
        borderColor: colour(index),
        backgroundColor: colour(index),
        spanGaps: true,
        tension: 0.2,
      };
    });
    new Chart(canvas, {
      type: "line",
      data: { labels: weeks, datasets: datasets },
      options: {
        maintainAspectRatio: false,
        plugins: { title: { display: true, text: title } },
        scales: { y: { title: { display: true, text: unit } } },
      },
    });
  }

  gappingChart();
  dispersionCharts();
  trendChart("trend-carry-chart", "carry", distance, "Median carry per week (" + distance + ")");
  trendChart("trend-speed-chart", "ball_speed", speed, "Median ball speed per week (" + speed + ")");
})();
