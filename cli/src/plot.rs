//! The EDC plot of `serfiq eval`, drawn with plotters into a buffer and saved
//! as PNG with the `image` crate (plotters' own encoder would pull in a second
//! `image` version).

use std::path::Path;

use crate::edc::EdcPoint;
use plotters::prelude::*;

/// One curve: its legend, colour and whether it is drawn dashed.
pub struct Curve<'a> {
    pub name: &'a str,
    pub points: &'a [EdcPoint],
    pub color: RGBColor,
    pub dashed: bool,
}

pub const SERFIQ_COLOR: RGBColor = RGBColor(31, 119, 180);
pub const BASELINE_COLOR: RGBColor = RGBColor(255, 127, 14);
pub const RANDOM_COLOR: RGBColor = RGBColor(120, 120, 120);
pub const NORM_COLOR: RGBColor = RGBColor(44, 160, 44);
pub const FUSED_COLOR: RGBColor = RGBColor(214, 39, 40);
pub const LEARNED_COLOR: RGBColor = RGBColor(148, 103, 189);
pub const PERFECT_COLOR: RGBColor = RGBColor(0, 0, 0);

const SIZE: (u32, u32) = (960, 640);

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // DejaVu Sans ships in the `dejavu` crate, so no system font is needed.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular());
    });
}

/// Group colours of the fairness figure, in group order (repeating).
pub const GROUP_COLORS: [RGBColor; 6] =
    [SERFIQ_COLOR, BASELINE_COLOR, NORM_COLOR, FUSED_COLOR, RGBColor(148, 103, 189), RGBColor(140, 86, 75)];

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

fn draw_err(e: &dyn std::fmt::Display) -> String {
    format!("cannot draw the plot: {e}")
}

/// Renders `draw` into a SIZE-wide buffer of `height` and saves it as PNG.
fn save_png(path: &Path, height: u32, draw: impl FnOnce(&Area) -> Result<(), String>) -> Result<(), String> {
    register_font();
    let (w, h) = (SIZE.0, height);
    let mut buf = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw_err(&e))?;
        draw(&root)?;
        root.present().map_err(|e| draw_err(&e))?;
    }
    let img = image::RgbImage::from_raw(w, h, buf).ok_or("plot buffer has the wrong size")?;
    img.save(path).map_err(|e| format!("cannot write {}: {e}", crate::show::path(path)))
}

/// Draws FNMR (%) against the fraction discarded, from 0 to `upto`.
pub fn edc_png(path: &Path, title: &str, curves: &[Curve], upto: f64) -> Result<(), String> {
    save_png(path, SIZE.1, |root| draw_edc(root, title, curves, upto))
}

/// The fairness figure: each group's CDF of q100 above, each group's EDC below.
pub fn fairness_png(
    path: &Path,
    cdf_title: &str,
    cdfs: &[Cdf],
    edc_title: &str,
    edcs: &[Curve],
    upto: f64,
) -> Result<(), String> {
    save_png(path, SIZE.1 * 2, |root| {
        let (top, bottom) = root.split_vertically(SIZE.1);
        draw_cdf(&top, cdf_title, cdfs)?;
        draw_edc(&bottom, edc_title, edcs, upto)
    })
}

/// One group's sorted values, drawn as an empirical CDF.
pub struct Cdf<'a> {
    pub name: &'a str,
    pub sorted: &'a [f64],
    pub color: RGBColor,
}

fn draw_cdf(area: &Area, title: &str, cdfs: &[Cdf]) -> Result<(), String> {
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..100.0, 0.0..1.0)
        .map_err(|e| draw_err(&e))?;
    chart
        .configure_mesh()
        .x_desc("q100")
        .y_desc("share of the group at or below")
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 17))
        .draw()
        .map_err(|e| draw_err(&e))?;
    for c in cdfs {
        let n = c.sorted.len().max(1) as f64;
        let pts = c.sorted.iter().enumerate().map(|(i, &v)| (v.clamp(0.0, 100.0), (i + 1) as f64 / n));
        let color = c.color;
        chart
            .draw_series(LineSeries::new(pts, ShapeStyle::from(&color).stroke_width(3)))
            .map_err(|e| draw_err(&e))?
            .label(c.name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], ShapeStyle::from(&color).stroke_width(3))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font(("sans-serif", 17))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(|e| draw_err(&e))
}

fn draw_edc(area: &Area, title: &str, curves: &[Curve], upto: f64) -> Result<(), String> {
    let visible = |c: &Curve| -> Vec<(f64, f64)> {
        c.points.iter().filter(|p| p.discarded <= upto).map(|p| (p.discarded * 100.0, p.fnmr * 100.0)).collect()
    };
    let top = curves.iter().flat_map(&visible).map(|(_, y)| y).fold(0.0f64, f64::max);
    let top = if top > 0.0 { top * 1.1 } else { 1.0 };
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..upto * 100.0, 0.0..top)
        .map_err(|e| draw_err(&e))?;
    chart
        .configure_mesh()
        .x_desc("genuine comparisons discarded, lowest pair quality first (%)")
        .y_desc("FNMR (%)")
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 17))
        .draw()
        .map_err(|e| draw_err(&e))?;
    for c in curves {
        let style = ShapeStyle::from(&c.color).stroke_width(3);
        let pts = visible(c);
        let drawn = if c.dashed {
            chart.draw_series(DashedLineSeries::new(pts, 10, 7, style))
        } else {
            chart.draw_series(LineSeries::new(pts, style))
        };
        let color = c.color;
        drawn.map_err(|e| draw_err(&e))?.label(c.name).legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 24, y)], ShapeStyle::from(&color).stroke_width(3))
        });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", 17))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(|e| draw_err(&e))
}
