//! Charts: the plotly crate builds the figure; the browser draws it with the plotly.js this
//! server serves. The same numbers are always in a table beside the chart.

use kompotten_app::i18n::{t, Lang};
use kompotten_app::model::{ReleasedArea, ReleasedValue};
use plotly::common::{ErrorData, ErrorType, Title};
use plotly::layout::{Axis, BarMode, Layout, Margin};
use plotly::{Bar, Plot};

fn bar(name: String, names: &[String], values: &[ReleasedValue]) -> Box<Bar<String, i64>> {
    Bar::new(names.to_vec(), values.iter().map(|v| v.value).collect()).name(name).error_y(
        ErrorData::new(ErrorType::Data)
            .array(values.iter().map(|v| (v.ci_high - v.value) as f64).collect())
            .array_minus(values.iter().map(|v| (v.value - v.ci_low) as f64).collect())
            .visible(true),
    )
}

/// A grouped bar chart of both indicators per county, with 95% intervals as error bars.
pub fn county_chart_json(lang: Lang, counties: &[ReleasedArea]) -> String {
    let names: Vec<String> = counties.iter().map(|c| c.area.name.clone()).collect();
    let out: Vec<ReleasedValue> = counties.iter().map(|c| c.households_moved_out).collect();
    let received: Vec<ReleasedValue> = counties.iter().map(|c| c.households_received).collect();
    let mut plot = Plot::new();
    plot.add_trace(bar(t(lang, "chart.moved_out"), &names, &out));
    plot.add_trace(bar(t(lang, "chart.received"), &names, &received));
    plot.set_layout(
        Layout::new()
            .title(Title::with_text(t(lang, "chart.title")))
            .bar_mode(BarMode::Group)
            .y_axis(Axis::new().title(Title::with_text(t(lang, "chart.yaxis"))).range_mode(plotly::layout::RangeMode::NonNegative))
            .x_axis(Axis::new().tick_angle(-45.0).auto_margin(true))
            .margin(Margin::new().bottom(160)),
    );
    plot.to_json()
}

/// Granted and unused kronor per recipient, exact (money is public record: no intervals).
pub fn grant_chart_json(lang: Lang, rows: &[kompotten_app::model::GrantRowView]) -> String {
    let names: Vec<String> = rows.iter().map(|r| r.municipality.name.clone()).collect();
    let kronor = |ore: i64| ore as f64 / 100.0;
    let mut plot = Plot::new();
    plot.add_trace(Bar::new(names.clone(), rows.iter().map(|r| kronor(r.granted_ore - r.unused_ore)).collect()).name(t(lang, "grants.chart.used")));
    plot.add_trace(Bar::new(names, rows.iter().map(|r| kronor(r.unused_ore)).collect()).name(t(lang, "grants.chart.unused")));
    plot.set_layout(
        Layout::new()
            .title(Title::with_text(t(lang, "grants.chart.title")))
            .bar_mode(BarMode::Stack)
            .y_axis(Axis::new().title(Title::with_text(t(lang, "grants.chart.yaxis"))).range_mode(plotly::layout::RangeMode::NonNegative))
            .x_axis(Axis::new().tick_angle(-45.0).auto_margin(true))
            .margin(Margin::new().bottom(160)),
    );
    plot.to_json()
}
