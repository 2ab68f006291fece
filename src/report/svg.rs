//! The three figure kinds. Each returns a complete SVG document.

use std::fmt::Write;

const FONT: &str = "font-family=\"sans-serif\"";

/// Escapes text for SVG content and attributes.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn header(w: f64, h: f64, title: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\">\n\
         <title>{}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" {FONT}>{}</text>\n",
        esc(title),
        w / 2.0,
        esc(title)
    )
}

/// White → blue for 0 → 1.
fn blue(t: f64) -> String {
    let t = t.clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!("rgb({},{},{})", mix(247.0, 8.0), mix(251.0, 69.0), mix(255.0, 148.0))
}

/// A confusion matrix (rows: true class, columns: predicted), shaded by the
/// share of each true class, with counts and row percentages in the cells.
pub fn confusion_svg(confusion: &[Vec<usize>], labels: &[&str], title: &str) -> String {
    let n = labels.len();
    let cell = 70.0;
    let (left, top) = (90.0, 70.0);
    let (w, h) = (left + cell * n as f64 + 30.0, top + cell * n as f64 + 60.0);
    let mut s = header(w, h, title);
    for (i, row) in confusion.iter().enumerate().take(n) {
        let total: usize = row.iter().sum();
        for (j, &c) in row.iter().enumerate().take(n) {
            let share = if total > 0 { c as f64 / total as f64 } else { 0.0 };
            let (x, y) = (left + cell * j as f64, top + cell * i as f64);
            let ink = if share > 0.5 { "white" } else { "black" };
            let _ = write!(
                s,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{cell}\" height=\"{cell}\" fill=\"{}\" stroke=\"#999\"/>\n\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"15\" fill=\"{ink}\" {FONT}>{c}</text>\n\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\" fill=\"{ink}\" {FONT}>{:.0}%</text>\n",
                blue(share),
                x + cell / 2.0,
                y + cell / 2.0,
                x + cell / 2.0,
                y + cell / 2.0 + 16.0,
                share * 100.0
            );
        }
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"13\" {FONT}>{}</text>",
            left - 8.0,
            top + cell * i as f64 + cell / 2.0 + 5.0,
            esc(labels[i])
        );
    }
    for (j, l) in labels.iter().enumerate() {
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"13\" {FONT}>{}</text>",
            left + cell * j as f64 + cell / 2.0,
            top - 8.0,
            esc(l)
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" {FONT}>predicted (columns) / true (rows)</text>",
        left + cell * n as f64 / 2.0,
        top + cell * n as f64 + 30.0
    );
    s.push_str("</svg>\n");
    s
}

/// One line of a line chart.
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

const PALETTE: [&str; 6] = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

/// A line chart, e.g. loss and accuracy per epoch.
pub fn curves_svg(series: &[Series], title: &str, x_label: &str, y_label: &str) -> String {
    let (w, h) = (640.0, 400.0);
    let (left, right, top, bottom) = (70.0, 150.0, 40.0, 50.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let pts = series.iter().flat_map(|s| s.points.iter()).filter(|(x, y)| x.is_finite() && y.is_finite());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    if x1 - x0 < 1e-12 {
        x1 = x0 + 1.0;
    }
    if y1 - y0 < 1e-12 {
        y1 = y0 + 1.0;
    }
    let sx = |x: f64| left + (x - x0) / (x1 - x0) * pw;
    let sy = |y: f64| top + ph - (y - y0) / (y1 - y0) * ph;
    let mut s = header(w, h, title);
    let _ =
        writeln!(s, "<rect x=\"{left}\" y=\"{top}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#444\"/>");
    for k in 0..=4 {
        let y = y0 + (y1 - y0) * k as f64 / 4.0;
        let x = x0 + (x1 - x0) * k as f64 / 4.0;
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"11\" {FONT}>{}</text>\n\
             <line x1=\"{left}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#eee\"/>\n\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\" {FONT}>{}</text>",
            left - 6.0,
            sy(y) + 4.0,
            tick(y),
            left + pw,
            sy(y),
            sy(y),
            sx(x),
            top + ph + 16.0,
            tick(x)
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" {FONT}>{}</text>\n\
         <text x=\"16\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 16 {})\" {FONT}>{}</text>",
        left + pw / 2.0,
        h - 12.0,
        esc(x_label),
        top + ph / 2.0,
        top + ph / 2.0,
        esc(y_label)
    );
    for (k, line) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let path: Vec<String> = line
            .points
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
            .collect();
        let _ = writeln!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>\n\
             <rect x=\"{}\" y=\"{}\" width=\"14\" height=\"3\" fill=\"{colour}\"/>\n\
             <text x=\"{}\" y=\"{}\" font-size=\"12\" {FONT}>{}</text>",
            path.join(" "),
            left + pw + 12.0,
            top + 10.0 + 20.0 * k as f64,
            left + pw + 30.0,
            top + 15.0 + 20.0 * k as f64,
            esc(&line.name)
        );
    }
    s.push_str("</svg>\n");
    s
}

fn tick(v: f64) -> String {
    if v.abs() >= 100.0 || v == v.round() {
        return format!("{v:.0}");
    }
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Where the model looked: frame attention as a heat strip over time, word
/// attention as shaded words, and the modality weights when both are present.
pub fn attention_svg(
    frame_attention: &[f32],
    hop_s: f64,
    words: &[String],
    word_attention: &[f32],
    modality_weights: Option<(f32, f32)>,
    title: &str,
) -> String {
    let w = 760.0;
    let (left, strip_h) = (20.0, 40.0);
    let plot_w = w - 2.0 * left;
    let h = 210.0;
    let mut s = header(w, h, title);
    let max_frame = frame_attention.iter().cloned().fold(0.0f32, f32::max).max(f32::MIN_POSITIVE);
    let n = frame_attention.len().max(1);
    let _ = writeln!(
        s,
        "<text x=\"{left}\" y=\"50\" font-size=\"12\" {FONT}>audio frames (darker = more attention)</text>"
    );
    for (i, &a) in frame_attention.iter().enumerate() {
        let x = left + plot_w * i as f64 / n as f64;
        let _ = writeln!(
            s,
            "<rect x=\"{x:.2}\" y=\"58\" width=\"{:.2}\" height=\"{strip_h}\" fill=\"{}\"/>",
            plot_w / n as f64 + 0.3,
            blue((a / max_frame) as f64)
        );
    }
    let dur = frame_attention.len() as f64 * hop_s;
    let _ = writeln!(
        s,
        "<rect x=\"{left}\" y=\"58\" width=\"{plot_w}\" height=\"{strip_h}\" fill=\"none\" stroke=\"#888\"/>\n\
         <text x=\"{left}\" y=\"114\" font-size=\"11\" {FONT}>0 s</text>\n\
         <text x=\"{}\" y=\"114\" text-anchor=\"end\" font-size=\"11\" {FONT}>{dur:.2} s</text>",
        left + plot_w
    );
    let _ = writeln!(s, "<text x=\"{left}\" y=\"140\" font-size=\"12\" {FONT}>words</text>");
    let max_word = word_attention.iter().cloned().fold(0.0f32, f32::max).max(f32::MIN_POSITIVE);
    let mut x = left;
    for (word, &a) in words.iter().zip(word_attention) {
        let width = 9.0 * word.chars().count().max(1) as f64 + 10.0;
        if x + width > left + plot_w {
            break;
        }
        let t = (a / max_word) as f64;
        let ink = if t > 0.5 { "white" } else { "black" };
        let _ = writeln!(
            s,
            "<rect x=\"{x:.1}\" y=\"148\" width=\"{width:.1}\" height=\"24\" fill=\"{}\" stroke=\"#ccc\"/>\n\
             <text x=\"{:.1}\" y=\"165\" text-anchor=\"middle\" font-size=\"13\" fill=\"{ink}\" {FONT}>{}</text>",
            blue(t),
            x + width / 2.0,
            esc(word)
        );
        x += width + 4.0;
    }
    if let Some((audio, text)) = modality_weights {
        let _ = writeln!(
            s,
            "<text x=\"{left}\" y=\"198\" font-size=\"12\" {FONT}>modality weights: audio {audio:.2}, text {text:.2}</text>"
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusion_has_a_cell_per_pair_and_escapes_labels() {
        let m = vec![vec![5, 1], vec![0, 4]];
        let svg = confusion_svg(&m, &["a<b", "c"], "test & title");
        assert_eq!(svg.matches("<rect x=").count(), 4);
        assert!(svg.contains("a&lt;b") && svg.contains("test &amp; title"));
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn curves_survive_empty_and_constant_series() {
        let empty = curves_svg(&[], "t", "x", "y");
        assert!(empty.contains("</svg>"));
        let flat = Series { name: "loss".into(), points: vec![(1.0, 0.5), (2.0, 0.5)] };
        let svg = curves_svg(&[flat], "t", "epoch", "loss");
        assert!(svg.contains("<polyline") && !svg.contains("NaN"));
    }

    #[test]
    fn attention_strip_has_one_rect_per_frame() {
        let words = vec!["hello".to_string(), "there".to_string()];
        let svg = attention_svg(&[0.1, 0.5, 0.4], 0.01, &words, &[0.7, 0.3], Some((0.6, 0.4)), "utt");
        // 3 frames, 1 frame-strip background, 2 words.
        assert_eq!(svg.matches("<rect x=").count(), 3 + 1 + 2);
        assert!(svg.contains("audio 0.60, text 0.40"));
    }
}
