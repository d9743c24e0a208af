//! Progress bars on standard error (hidden when it is not a terminal or output is JSON).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar over `len` units named `unit`.
pub fn bar(len: u64, what: &str, unit: &str, quiet: bool) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(
        Some(len),
        if quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        },
    );
    pb.set_style(
        ProgressStyle::with_template(&format!(
            "{{prefix:>10}} [{{bar:32}}] {{human_pos}}/{{human_len}} {unit} {{per_sec}} {{msg}}"
        ))
        .expect("template")
        .progress_chars("=> "),
    );
    pb.set_prefix(what.to_string());
    pb
}

/// Milliseconds as seconds with one decimal.
pub fn secs(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 10.0).round() / 10.0
}

/// Prints a line above the bar, or plainly when the bar is hidden (indicatif drops
/// `println` on hidden bars).
pub fn line(pb: &ProgressBar, s: String) {
    if pb.is_hidden() {
        println!("{s}")
    } else {
        pb.println(s)
    }
}

/// Euro cents as `EUR 12.34`.
pub fn eur(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("EUR {sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}
