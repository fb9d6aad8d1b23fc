//! Charts drawn as SVG by Leptos components (no chart library, nothing from a CDN): a
//! percentage line chart and a stacked bar chart of daily results. Geometry lives in pure
//! functions so it can be tested.

use leptos::prelude::*;

use crate::format::{one_decimal, px};

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 180.0;
const PAD_LEFT: f64 = 36.0;
const PAD_BOTTOM: f64 = 22.0;
const PAD_TOP: f64 = 8.0;

fn plot_height() -> f64 {
    HEIGHT - PAD_BOTTOM - PAD_TOP
}

/// x of point `index` of `count`, spread over the plot width.
pub fn x_at(index: usize, count: usize) -> f64 {
    let width = WIDTH - PAD_LEFT - 8.0;
    if count <= 1 { PAD_LEFT + width / 2.0 } else { PAD_LEFT + width * index as f64 / (count - 1) as f64 }
}

/// y of `value` on a 0..=`max` axis.
pub fn y_at(value: f64, max: f64) -> f64 {
    let ratio = if max <= 0.0 { 0.0 } else { (value / max).clamp(0.0, 1.0) };
    PAD_TOP + plot_height() * (1.0 - ratio)
}

/// SVG path segments for a series with gaps: a `None` ends a segment.
pub fn line_path(values: &[Option<f64>], max: f64) -> String {
    let mut path = String::new();
    let mut pen_down = false;
    for (index, value) in values.iter().enumerate() {
        match value {
            Some(value) => {
                let command = if pen_down { 'L' } else { 'M' };
                path.push_str(&format!("{command}{},{} ", px(x_at(index, values.len())), px(y_at(*value, max))));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    path.trim_end().to_owned()
}

/// One line of a line chart.
#[derive(Clone)]
pub struct Series {
    /// CSS class (colour).
    pub class: &'static str,
    /// Legend text.
    pub label: String,
    /// One value per label; `None` = no data that day.
    pub values: Vec<Option<f64>>,
}

fn axis_labels(labels: &[String]) -> impl IntoView + use<> {
    let count = labels.len();
    let step = (count / 6).max(1);
    labels
        .iter()
        .enumerate()
        .filter(|(index, _)| index % step == 0 || *index + 1 == count)
        .map(|(index, label)| {
            // The first and last labels align inwards so they are not clipped.
            let anchor = if index == 0 && count > 1 {
                "start"
            } else if index + 1 == count && count > 1 {
                "end"
            } else {
                "middle"
            };
            view! {
                <text class="axis" x=px(x_at(index, count)) y=px(HEIGHT - 6.0) text-anchor=anchor>
                    {label.clone()}
                </text>
            }
        })
        .collect_view()
}

/// Percentages (0–100) over days.
#[component]
pub fn LineChart(
    /// Accessible description.
    title: String,
    /// Day labels.
    labels: Vec<String>,
    /// The lines.
    series: Vec<Series>,
) -> impl IntoView {
    let grid = [0.0, 50.0, 100.0]
        .into_iter()
        .map(|value| {
            let y = px(y_at(value, 100.0));
            view! {
                <line class="grid" x1=px(PAD_LEFT) x2=px(WIDTH - 8.0) y1=y.clone() y2=y.clone()/>
                <text class="axis" x=px(PAD_LEFT - 4.0) y=y text-anchor="end" dominant-baseline="middle">{format!("{}%", px(value))}</text>
            }
        })
        .collect_view();
    let lines = series
        .iter()
        .map(|line| view! { <path class=format!("line {}", line.class) d=line_path(&line.values, 100.0)/> })
        .collect_view();
    // Dots make single days (and days between gaps) visible; a path of one point draws nothing.
    let count = labels.len();
    let dots = series
        .iter()
        .flat_map(|line| {
            line.values.iter().enumerate().filter_map(move |(index, value)| {
                value.map(|value| {
                    view! {
                        <circle class=format!("dot {}", line.class) r="3" cx=px(x_at(index, count)) cy=px(y_at(value, 100.0))>
                            <title>{format!("{}: {}%", line.label, one_decimal(value))}</title>
                        </circle>
                    }
                })
            })
        })
        .collect_view();
    let legend = series
        .iter()
        .map(|line| view! { <span class=format!("legend {}", line.class)>{line.label.clone()}</span> })
        .collect_view();
    let label = title.clone();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {} {}", px(WIDTH), px(HEIGHT)) role="img" aria-label=label>
                <title>{title}</title>
                {grid}
                {lines}
                {dots}
                {axis_labels(&labels)}
            </svg>
            <figcaption>{legend}</figcaption>
        </figure>
    }
}

/// One day's stacked counts.
#[derive(Clone)]
pub struct StackedDay {
    /// Axis label.
    pub label: String,
    /// Counts bottom to top, in the order of `StackedBars::layers`.
    pub counts: Vec<u64>,
}

/// Daily counts as stacked bars.
#[component]
pub fn StackedBars(
    /// Accessible description.
    title: String,
    /// `(css class, legend text)` bottom to top.
    layers: Vec<(&'static str, String)>,
    /// The days.
    days: Vec<StackedDay>,
) -> impl IntoView {
    let max = days.iter().map(|day| day.counts.iter().sum::<u64>()).max().unwrap_or(0).max(1) as f64;
    let count = days.len().max(1);
    let slot = (WIDTH - PAD_LEFT - 8.0) / count as f64;
    let bar = (slot * 0.7).max(1.0);
    let labels: Vec<String> = days.iter().map(|day| day.label.clone()).collect();
    let bars = days
        .iter()
        .enumerate()
        .flat_map(|(index, day)| {
            let x = PAD_LEFT + slot * index as f64 + (slot - bar) / 2.0;
            let mut base = 0.0;
            day.counts
                .iter()
                .zip(&layers)
                .filter(|(count, _)| **count > 0)
                .map(|(count, (class, _))| {
                    let top = base + *count as f64;
                    let (y, height) = (y_at(top, max), y_at(base, max) - y_at(top, max));
                    base = top;
                    view! {
                        <rect class=format!("bar {class}") x=px(x) y=px(y) width=px(bar) height=px(height)>
                            <title>{format!("{}: {count}", day.label)}</title>
                        </rect>
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect_view();
    let legend = layers
        .iter()
        .map(|(class, text)| view! { <span class=format!("legend {class}")>{text.clone()}</span> })
        .collect_view();
    let top_label = px(max);
    let label = title.clone();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {} {}", px(WIDTH), px(HEIGHT)) role="img" aria-label=label>
                <title>{title}</title>
                <line class="grid" x1=px(PAD_LEFT) x2=px(WIDTH - 8.0) y1=px(y_at(max, max)) y2=px(y_at(max, max))/>
                <text class="axis" x=px(PAD_LEFT - 4.0) y=px(y_at(max, max)) text-anchor="end" dominant-baseline="middle">{top_label}</text>
                <line class="grid" x1=px(PAD_LEFT) x2=px(WIDTH - 8.0) y1=px(y_at(0.0, max)) y2=px(y_at(0.0, max))/>
                {bars}
                {axis_labels(&labels)}
            </svg>
            <figcaption>{legend}</figcaption>
        </figure>
    }
}
