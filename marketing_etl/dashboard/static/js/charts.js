/**
 * Chart helpers over the vendored Chart.js (loaded as a classic script: window.Chart).
 *
 * A chart is created once per canvas and then updated in place, so an auto-refresh neither
 * flickers nor resets what the user hid in the legend. Times are category labels formatted
 * here, which spares the date adapter Chart.js's time scale would need.
 * Each drawn canvas gets data-drawn="<number of points>", which the browser tests wait for.
 */

const Chart = window.Chart;
const charts = new Map();

export const STATUS_COLORS = {
  QUEUED: "#8a94a6",
  RUNNING: "#2f6fde",
  SUCCESS: "#1f9d55",
  FAILED: "#d64545",
  CANCELLED: "#d98e04",
};
const PALETTE = ["#2f6fde", "#1f9d55", "#d98e04", "#d64545", "#7c4dcc", "#0f9bb0", "#c2417a", "#6b7a2a", "#8a5a2b", "#4a5668"];

export function color(index) {
  return PALETTE[index % PALETTE.length];
}

function upsert(canvas, config) {
  const existing = charts.get(canvas);
  if (existing && existing.config.type === config.type) {
    existing.data.labels = config.data.labels;
    // Keep each dataset object (and with it the legend's hidden state) when its label matches.
    existing.data.datasets = config.data.datasets.map((fresh) => {
      const old = existing.data.datasets.find((d) => d.label === fresh.label);
      return old ? Object.assign(old, fresh) : fresh;
    });
    if (config.options) Object.assign(existing.options, config.options);
    existing.update("none");
  } else {
    if (existing) existing.destroy();
    charts.set(canvas, new Chart(canvas, config));
  }
  const points = config.data.datasets.reduce((sum, d) => sum + d.data.length, 0);
  canvas.dataset.drawn = String(points);
}

const base = { responsive: true, maintainAspectRatio: false, animation: false };

/** Doughnut or pie of {label: count}, with optional colours per label. */
export function pie(canvas, counts, { type = "doughnut", colors = null } = {}) {
  const labels = Object.keys(counts);
  upsert(canvas, {
    type,
    data: {
      labels,
      datasets: [{
        label: "jobs",
        data: labels.map((key) => counts[key]),
        backgroundColor: labels.map((key, i) => (colors && colors[key]) || color(i)),
      }],
    },
    options: { ...base, plugins: { legend: { position: "right" } } },
  });
}

/** Bar chart of {label: value}; horizontal when `horizontal`. */
export function bars(canvas, labels, values, { horizontal = false, colors = null, label = "count" } = {}) {
  upsert(canvas, {
    type: "bar",
    data: {
      labels,
      datasets: [{ label, data: values, backgroundColor: colors || labels.map((_, i) => color(i)) }],
    },
    options: {
      ...base,
      indexAxis: horizontal ? "y" : "x",
      plugins: { legend: { display: false } },
      scales: { [horizontal ? "x" : "y"]: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
}

/**
 * Line chart. `series` is [{label, data, dashed?, color?}]; null values leave gaps.
 * `limits` are horizontal reference lines [{label, value, color}], drawn as dashed datasets
 * so no annotation plugin is needed.
 */
export function lines(canvas, labels, series, { limits = [], yMax = undefined, yTitle = "" } = {}) {
  const datasets = series.map((s, i) => ({
    label: s.label,
    data: s.data,
    borderColor: s.color || color(i),
    backgroundColor: s.color || color(i),
    borderWidth: 2,
    pointRadius: labels.length > 60 ? 0 : 2,
    spanGaps: true,
    tension: 0.2,
  }));
  for (const limit of limits) {
    datasets.push({
      label: limit.label,
      data: labels.map(() => limit.value),
      borderColor: limit.color,
      borderDash: [6, 4],
      borderWidth: 1.5,
      pointRadius: 0,
    });
  }
  upsert(canvas, {
    type: "line",
    data: { labels, datasets },
    options: {
      ...base,
      interaction: { mode: "index", intersect: false },
      scales: {
        y: { beginAtZero: true, suggestedMax: yMax, title: { display: Boolean(yTitle), text: yTitle } },
        x: { ticks: { maxTicksLimit: 12, autoSkip: true } },
      },
    },
  });
}
