//! The charts of the results pages, as inline SVG: urne-core's result model
//! ([`urne_core::chart`]) drawn for a browser, as the kiosk's result screens draw it.
//!
//! Every bar, segment, share, scale, threshold, label and order comes from the model, every
//! figure from [`urne_core::figures`]; this module only places them and maps the model's colour
//! roles to the page's palette ([`colour`], the kiosk's theme). Each chart is one
//! `<svg role="img">` whose `aria-label` says every figure it draws, so that a screen reader
//! gets the same result as the eye; the figures are also in the page as text (the arithmetic
//! lines, and tables for Majority Judgment and Schulze).
//!
//! Layout: one row per bar, the name on its own line, the bar below it on the left 72 % of the
//! width and the figure at the right end. Horizontal positions are percentages of the chart's
//! width (no `viewBox`, no nested viewport), so the SVG takes the width of the page while its
//! text keeps its size: readable on a phone without shrinking. Lengths only show; every
//! decision was taken on integers by urne-core.

use std::fmt::Write as _;

use urne_core::chart::{
    BudgetChart, Chart, CountsChart, Label, MeritChart, MotionChart, RankingChart, ResultChart,
    Segment, Share, Tone,
};
use urne_core::figures::{euros, number};
use urne_core::rules::MajorityBase;
use urne_core::tally::Lang;

use super::escape;

/// The pages are in French.
const FR: Lang = Lang::Fr;
/// Height of one row: the name's line and the bar's.
const ROW: u32 = 50;
/// Room above the first row, so that a marker crossing it is not cut.
const TOP: u32 = 4;
/// Longest name drawn in a chart; the full name is in the label and in the text below.
const NAME_CHARS: usize = 90;
/// Where a bar starts when it starts at the left end of the track.
const ORIGIN: Share = Share::new(0, 1);

// The kiosk's theme (`ui/theme.slint`).
const INK: &str = "#1c2230";
const TRACK: &str = "#e9e4d8";
const FOR: &str = "#2e7d4f";
const AGAINST: &str = "#b3261e";
const NEUTRAL: &str = "#8a8f99";
const BLANK: &str = "#b9b3a5";
const PRIMARY: &str = "#1f4e9c";
const FUNDED: &str = "#1f7a4a";
const UNFUNDED: &str = "#b9b3a5";
const MARKER: &str = "#1c2230";
const WHITE: &str = "#ffffff";
/// Majority Judgment mentions on a scale of seven, worst first; neighbours differ in
/// lightness as well as hue, so that the profile still reads in grey on paper.
const MENTIONS: [&str; 7] = [
    "#7f1d1d", "#c2410c", "#ea9a2b", "#f3d77a", "#9cc97a", "#3f8f5a", "#1b5e3a",
];

/// The one mapping from the model's colour roles to the page's palette.
fn colour(tone: Tone) -> &'static str {
    match tone {
        Tone::For | Tone::DuelWin => FOR,
        Tone::Against => AGAINST,
        Tone::Abstain | Tone::Plain => NEUTRAL,
        Tone::Blank => BLANK,
        Tone::Winner => PRIMARY,
        Tone::Funded => FUNDED,
        Tone::LeftOut => UNFUNDED,
        Tone::Mention(place) => MENTIONS[usize::from(place).min(MENTIONS.len() - 1)],
        Tone::DuelLoss | Tone::DuelTie => WHITE,
        Tone::DuelSelf => TRACK,
        Tone::Marker => MARKER,
    }
}

/// Text drawn on a colour of the palette: light on the dark ends of the mentions' scale, dark
/// in its middle.
fn ink_on(tone: Tone) -> &'static str {
    match tone {
        Tone::Mention(2..=4) => INK,
        _ => WHITE,
    }
}

/// The chart of a closed poll's result, with its legend and tables.
pub fn chart(model: &ResultChart) -> String {
    match &model.chart {
        Chart::Motion(m) => motion(m),
        Chart::Counts(c) => counts(c),
        Chart::Merit(m) => merit_profiles(m),
        Chart::Ranking(r) => ranking(r),
        Chart::Budget(b) => budget(b),
    }
}

/// How much of the chart's width the bar track takes; the figures sit in the rest.
const TRACK_SPAN: f64 = 72.0;

/// Where `share` of the track falls, in percent of the chart's width (display only).
fn across(share: Share) -> String {
    at(share.ratio())
}

/// A position `ratio` of the way along the track, in percent of the chart's width.
fn at(ratio: f64) -> String {
    format!("{:.2}%", ratio * TRACK_SPAN)
}

/// A name cut to what a chart line holds, with « … » when cut.
fn clip(text: &str) -> String {
    if text.chars().count() <= NAME_CHARS {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(NAME_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}

/// A count with its share of the base when it has one: « 24 · 66,7 % ».
fn with_share(value: u64, share: Option<&str>) -> String {
    match share {
        Some(share) => format!("{} · {share}", number(value, FR)),
        None => number(value, FR),
    }
}

/// An SVG chart being drawn, row after row.
struct Svg {
    body: String,
    rows: u32,
}

/// What one row shows.
struct Row<'a> {
    name: &'a str,
    bold: bool,
    figure: &'a str,
}

/// The bar track of one row, for drawing on it.
struct Track<'a> {
    out: &'a mut String,
    /// The top of the bars.
    y: u32,
}

impl Track<'_> {
    /// A filled bar from `start` to `start + length` of the track.
    fn bar(&mut self, start: Share, length: Share, tone: Tone) {
        let _ = write!(
            self.out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"20\" rx=\"4\" fill=\"{}\"/>",
            across(start),
            self.y,
            across(length),
            colour(tone)
        );
    }

    /// One mention of a merit profile, with its whole percentage written inside when there is
    /// room, as on the kiosk.
    fn segment(&mut self, segment: &Segment) {
        let _ = write!(
            self.out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"20\" fill=\"{}\" stroke=\"#ffffff\"/>",
            across(segment.start),
            self.y,
            across(segment.length),
            colour(segment.tone)
        );
        // An eighth of the track holds « 100 % » on a phone.
        if segment.length.ratio() >= 0.125 {
            let _ = write!(
                self.out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"13\" fill=\"{}\">{}</text>",
                at(segment.start.ratio() + segment.length.ratio() / 2.0),
                self.y + 15,
                ink_on(segment.tone),
                segment.length.whole_percent(FR)
            );
        }
    }

    /// An upright line across the bar at `at`: a threshold, the budget, the median.
    fn marker(&mut self, at: Share) {
        let x = across(at);
        // Edged in white so that it shows on every colour it crosses.
        let _ = write!(
            self.out,
            "<line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\" stroke=\"#ffffff\" stroke-width=\"7\"/>\
             <line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"3\"/>",
            self.y - 5,
            self.y + 25,
            self.y - 4,
            self.y + 24,
            colour(Tone::Marker),
        );
    }
}

impl Svg {
    fn new() -> Self {
        Self {
            body: String::new(),
            rows: 0,
        }
    }

    /// A row: the name, the bar track with what `draw` puts on it, and the figure at the right
    /// end of the track's line.
    fn row(&mut self, row: &Row<'_>, draw: impl FnOnce(&mut Track<'_>)) {
        let top = TOP + self.rows * ROW;
        let _ = writeln!(
            self.body,
            "<text x=\"0\" y=\"{}\" fill=\"{INK}\"{}>{}</text>",
            top + 16,
            if row.bold { " font-weight=\"700\"" } else { "" },
            escape(&clip(row.name)),
        );
        let _ = write!(
            self.body,
            "<rect y=\"{}\" width=\"{TRACK_SPAN}%\" height=\"20\" rx=\"4\" fill=\"{TRACK}\"/>",
            top + 24
        );
        draw(&mut Track {
            out: &mut self.body,
            y: top + 24,
        });
        let _ = writeln!(
            self.body,
            "\n<text x=\"100%\" y=\"{}\" text-anchor=\"end\" font-weight=\"700\" fill=\"{INK}\">{}</text>",
            top + 39,
            escape(row.figure)
        );
        self.rows += 1;
    }

    /// The `<svg>` element, labelled with `label` for screen readers (and as a tooltip).
    fn finish(self, label: &str) -> String {
        let label = escape(label);
        format!(
            "<svg class=\"chart\" role=\"img\" aria-label=\"{label}\" width=\"100%\" height=\"{}\" \
             xmlns=\"http://www.w3.org/2000/svg\">\n<title>{label}</title>\n{}</svg>\n",
            TOP * 2 + self.rows * ROW,
            self.body
        )
    }
}

/// A legend: colour swatches (or, for the marker, a line) and what they mean.
fn legend(items: &[(Tone, String)]) -> String {
    let mut out = String::from("<ul class=\"legend\">");
    for (tone, text) in items {
        let _ = write!(
            out,
            "<li><span class=\"sw{}\" style=\"background:{}\"></span>{}</li>",
            if *tone == Tone::Marker { " line" } else { "" },
            colour(*tone),
            escape(text)
        );
    }
    out.push_str("</ul>\n");
    out
}

fn figure(svg: String, rest: &str) -> String {
    format!("<figure>\n{svg}{rest}</figure>\n")
}

/// Pour / contre / abstention (and vote blanc) against the number of « pour » that adopts the
/// motion.
fn motion(m: &MotionChart) -> String {
    let mut svg = Svg::new();
    let mut spoken = Vec::new();
    for bar in &m.bars {
        let name = bar.label.name(FR);
        let share = bar.percent.map(|p| p.percent(FR));
        let figure = with_share(bar.value, share.as_deref());
        svg.row(
            &Row {
                name,
                bold: bar.winner,
                figure: &figure,
            },
            |track| {
                track.bar(ORIGIN, bar.length, bar.tone);
                if let Some(threshold) = m.threshold {
                    track.marker(threshold);
                }
            },
        );
        spoken.push(match &share {
            Some(share) => format!(
                "{name} : {} ({share} des suffrages exprimés)",
                number(bar.value, FR)
            ),
            None => format!("{name} : {}", number(bar.value, FR)),
        });
    }
    let threshold = format!(
        "Seuil d'adoption : {} voix pour sur {} {}",
        number(m.required, FR),
        number(m.base, FR),
        match m.rule.base {
            MajorityBase::Expressed => "suffrages exprimés",
            MajorityBase::Members => "membres",
        }
    );
    let label = format!("Résultat du vote. {}. {threshold}.", spoken.join(" ; "));
    let mut items: Vec<(Tone, String)> = m
        .bars
        .iter()
        .map(|bar| (bar.tone, bar.label.name(FR).to_owned()))
        .collect();
    items.push((Tone::Marker, threshold));
    figure(svg.finish(&label), &legend(&items))
}

/// Votes per option (single choice) or approvals per name (approval), with the blank votes.
fn counts(c: &CountsChart) -> String {
    let lead = if c.tied { "ex æquo" } else { "en tête" };
    let mut svg = Svg::new();
    let mut spoken = Vec::new();
    for bar in &c.bars {
        let label = bar.label.name(FR);
        let name = if bar.winner {
            format!("{label} — {lead}")
        } else {
            label.to_owned()
        };
        let share = bar.percent.map(|p| p.percent(FR));
        let figure = with_share(bar.value, share.as_deref());
        svg.row(
            &Row {
                name: &name,
                bold: bar.winner,
                figure: &figure,
            },
            |track| track.bar(ORIGIN, bar.length, bar.tone),
        );
        spoken.push(match (&bar.label, &share) {
            (Label::Blank, _) => format!("{name} : {}", number(bar.value, FR)),
            (_, Some(share)) => format!("{name} : {} ({share})", count_words(bar.value)),
            (_, None) => format!("{name} : {}", count_words(bar.value)),
        });
    }
    let label = format!("Résultat du vote. {}.", spoken.join(" ; "));
    figure(svg.finish(&label), "")
}

fn count_words(n: u64) -> String {
    format!("{} voix", number(n, FR))
}

/// Majority Judgment: one 100 % bar per candidate, in the model's ranked order, split into its
/// mentions from the worst (left) to the best (right); the line at 50 % crosses each bar in
/// the candidate's majority mention, which is what decides. The table, the legend and the
/// spoken label list the mentions in that same order.
fn merit_profiles(m: &MeritChart) -> String {
    let mut svg = Svg::new();
    let mut spoken = Vec::new();
    let mut table = String::from(
        "<div class=\"scroll\"><table>\n<caption>Mentions reçues par chaque candidat</caption>\n\
         <thead><tr><th scope=\"col\">Rang</th><th scope=\"col\">Candidat</th>",
    );
    for mention in &m.mentions {
        let _ = write!(
            table,
            "<th scope=\"col\">{}</th>",
            escape(&mention.name(FR))
        );
    }
    table.push_str("<th scope=\"col\">Mention majoritaire</th></tr></thead>\n<tbody>\n");
    for row in &m.rows {
        let name = format!("{}. {}", row.rank, row.label);
        let majority = row.majority.map_or_else(|| "—".to_owned(), |g| g.name(FR));
        svg.row(
            &Row {
                name: &name,
                bold: row.rank == 1,
                figure: &majority,
            },
            |track| {
                for segment in &row.segments {
                    track.segment(segment);
                }
                if let Some(median) = row.median {
                    track.marker(median);
                }
            },
        );
        let shares: Vec<String> = m
            .mentions
            .iter()
            .zip(&row.profile)
            .map(|(mention, weight)| format!("{} {}", mention.name(FR), number(*weight, FR)))
            .collect();
        spoken.push(format!(
            "{name}, mention majoritaire {majority} : {}",
            shares.join(", ")
        ));
        let _ = write!(
            table,
            "<tr><td>{}</td><th scope=\"row\">{}</th>",
            row.rank,
            escape(&row.label)
        );
        for weight in &row.profile {
            let _ = write!(table, "<td>{}</td>", number(*weight, FR));
        }
        let _ = writeln!(table, "<td>{}</td></tr>", escape(&majority));
    }
    table.push_str("</tbody>\n</table></div>\n");
    let label = format!(
        "Profils de mérite, du premier rang au dernier. {}.",
        spoken.join(" ; ")
    );
    let mut items: Vec<(Tone, String)> = m
        .mentions
        .iter()
        .map(|mention| (Tone::of_mention(*mention), mention.name(FR)))
        .collect();
    items.push((
        Tone::Marker,
        "Le trait marque la moitié des votants : la mention qu'il traverse est la mention \
         majoritaire"
            .to_owned(),
    ));
    figure(svg.finish(&label), &(legend(&items) + &table))
}

/// A Schulze ranking: the candidates in ranked order with their duels won (as the kiosk lists
/// them), then the pairwise matrix in that order, a cell coloured when its row wins.
fn ranking(r: &RankingChart) -> String {
    let mut svg = Svg::new();
    let mut spoken = Vec::new();
    for row in &r.rows {
        let name = format!("{}. {}", row.rank, row.label);
        let figure = format!("{} / {}", number(row.wins, FR), number(r.others, FR));
        svg.row(
            &Row {
                name: &name,
                bold: row.tone == Tone::Winner,
                figure: &figure,
            },
            |track| track.bar(ORIGIN, row.won, row.tone),
        );
        let plural = if row.wins > 1 { "s" } else { "" };
        spoken.push(format!(
            "{name}, {} duel{plural} gagné{plural} sur {}",
            number(row.wins, FR),
            number(r.others, FR)
        ));
    }
    let label = format!("Classement. {}.", spoken.join(" ; "));
    let mut table = String::from(
        "<div class=\"scroll\"><table>\n<caption>Duels : nombre de votants qui préfèrent la \
         ligne à la colonne (sur fond vert : duel gagné par la ligne)</caption>\n<thead><tr>\
         <td></td>",
    );
    for row in &r.rows {
        let _ = write!(
            table,
            "<th scope=\"col\"><abbr title=\"{}\">{}</abbr></th>",
            escape(&row.label),
            row.key
        );
    }
    table.push_str("</tr></thead>\n<tbody>\n");
    for row in &r.rows {
        let _ = write!(
            table,
            "<tr><th scope=\"row\">{}. {}</th>",
            row.key,
            escape(&row.label)
        );
        for duel in &row.duels {
            match duel.tone {
                Tone::DuelSelf => table.push_str("<td>—</td>"),
                Tone::DuelWin => {
                    let _ = write!(
                        table,
                        "<td class=\"win\">{}<span class=\"sr\"> (gagné)</span></td>",
                        number(duel.value, FR)
                    );
                }
                _ => {
                    let _ = write!(table, "<td>{}</td>", number(duel.value, FR));
                }
            }
        }
        table.push_str("</tr>\n");
    }
    table.push_str("</tbody>\n</table></div>\n");
    let caption = format!(
        "<p class=\"meta\">Barres : duels gagnés par chacun sur {}.</p>\n",
        number(r.others, FR)
    );
    figure(svg.finish(&label), &(caption + &table))
}

/// A participatory budget, as on the kiosk: the funded projects in the order they were funded,
/// each bar starting where the previous one ended, then the projects left out, most approved
/// first, each placed after the final spending so that one that did not fit visibly crosses
/// the budget line.
fn budget(b: &BudgetChart) -> String {
    let mut svg = Svg::new();
    let mut spoken_funded = Vec::new();
    let mut spoken_left = Vec::new();
    for row in &b.rows {
        // Funded or not is said by a mark as well as by the colour; short, as the line is.
        let mark = if row.funded { "✓ " } else { "" };
        let name = format!("{mark}{} ({})", row.label, count_words(row.approvals));
        let figure = euros(row.cost, FR);
        svg.row(
            &Row {
                name: &name,
                bold: row.funded,
                figure: &figure,
            },
            |track| {
                track.bar(row.start, row.length, row.tone);
                if b.scale > 0 {
                    track.marker(b.line);
                }
            },
        );
        let words = format!("{}, {figure}, {}", row.label, count_words(row.approvals));
        if row.funded {
            spoken_funded.push(words);
        } else {
            spoken_left.push(words);
        }
    }
    let spending = format!(
        "{} engagés sur {} · reste {}",
        euros(b.spent, FR),
        euros(b.budget, FR),
        euros(b.remaining, FR)
    );
    let listed = |spoken: &[String]| {
        if spoken.is_empty() {
            "aucun".to_owned()
        } else {
            spoken.join(" ; ")
        }
    };
    let label = format!(
        "Budget participatif de {}. Projets financés, dans l'ordre : {}. Non financés : {}. {spending}.",
        euros(b.budget, FR),
        listed(&spoken_funded),
        listed(&spoken_left),
    );
    let rest = legend(&[
        (Tone::Funded, "✓ Financé".into()),
        (Tone::LeftOut, "Non financé".into()),
        (Tone::Marker, format!("Budget : {}", euros(b.budget, FR))),
    ]) + &format!("<p>{}.</p>\n", escape(&spending));
    figure(svg.finish(&label), &rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use urne_core::poll::Mention;

    #[test]
    fn mentions_take_the_kiosks_colours_and_names() {
        // Seven mentions: one colour each; five: evenly spaced, both ends kept.
        let colours = |grades: u8| -> Vec<&str> {
            Mention::scale(grades)
                .map(|m| colour(Tone::of_mention(m)))
                .collect()
        };
        assert_eq!(colours(7), MENTIONS);
        assert_eq!(
            colours(5),
            [
                MENTIONS[0],
                MENTIONS[2],
                MENTIONS[3],
                MENTIONS[5],
                MENTIONS[6]
            ]
        );
        assert_eq!(Mention::new(0, 7).name(FR), "À rejeter");
        assert_eq!(Mention::new(6, 7).name(FR), "Excellent");
        assert_eq!(Mention::new(0, 5).name(FR), "Insuffisant");
        assert_eq!(Mention::new(4, 5).name(FR), "Très bien");
    }

    #[test]
    fn long_names_are_cut_in_the_chart_only() {
        let long = "é".repeat(100);
        let cut = clip(&long);
        assert_eq!(cut.chars().count(), NAME_CHARS);
        assert!(cut.ends_with('…'));
        assert_eq!(clip("Pour"), "Pour");
        assert_eq!(urne_core::chart::column_key(0), "A");
        assert_eq!(urne_core::chart::column_key(26), "AA");
        assert_eq!(across(Share::new(1, 2)), "36.00%");
        assert_eq!(across(Share::new(5, 0)), "0.00%");
        assert_eq!(across(Share::new(7, 7)), "72.00%");
    }
}
