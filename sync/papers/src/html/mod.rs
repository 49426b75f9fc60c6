//! Results as a browser shows them: a closed poll's chart as inline SVG ([`charts`]), drawn
//! from urne-core's result model, shared by the registry's public pages and the hall's
//! projected screen so that both draw a result the same way; and [`escape`] for every outside
//! text put in a page.

pub mod charts;

/// The style the charts need, in a page that defines `--line`, `--muted` and `--for` (the
/// kiosk's theme).
pub const CHART_STYLE: &str = "\
figure{margin:.75rem 0}
svg.chart{display:block;width:100%;overflow:hidden;font-size:15px}
.legend{display:flex;flex-wrap:wrap;gap:.2rem 1rem;list-style:none;padding:0;margin:.4rem 0;font-size:.9rem}
.sw{display:inline-block;width:1em;height:1em;border-radius:3px;vertical-align:-.15em;margin-right:.35em;border:1px solid #0002}
.sw.line{width:4px;border-radius:0;border:0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}
caption{text-align:left;color:var(--muted);padding-bottom:.25rem}
th,td{border:1px solid var(--line);padding:.2rem .45rem;text-align:right}
th[scope=row]{text-align:left;font-weight:400}
td.win{background:var(--for);color:#fff;font-weight:700}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
";

/// Escapes text for HTML content and attribute values (SVG included).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
