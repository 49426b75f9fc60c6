//! The charts of the results pages, as inline SVG: the kiosk's result screens
//! (`ui/components/chart.slint`, `merit-profile.slint`, `ranking.slint`) drawn for a browser.
//!
//! Each chart is one `<svg role="img">` whose `aria-label` says every figure it draws, so that a
//! screen reader gets the same result as the eye; the figures are also in the page as text (the
//! arithmetic lines, and tables for Majority Judgment and Schulze).
//!
//! Layout: one row per bar, the name on its own line, the bar below it on the left 72 % of the
//! width and the figure at the right end. Horizontal positions are percentages of the chart's
//! width (no `viewBox`, no nested viewport), so the SVG takes the width of the page while its
//! text keeps its size: readable on a phone without shrinking. Lengths only show; every decision was taken on integers by urne-core.

use std::fmt::Write as _;

use urne_core::ids::OptionId;
use urne_core::poll::{Poll, grade_labels_fr};
use urne_core::tally::{
    BudgetDetails, CountDetails, Decision, Details, MajorityJudgmentDetails, MeritProfile,
    MotionDetails, PollResult, SchulzeDetails,
};

use super::{escape, euros, number, percent};

/// Height of one row: the name's line and the bar's.
const ROW: u32 = 50;
/// Room above the first row, so that a marker crossing it is not cut.
const TOP: u32 = 4;
/// Longest name drawn in a chart; the full name is in the label and in the text below.
const NAME_CHARS: usize = 90;

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
/// Majority Judgment mentions on a scale of seven, worst first; neighbours differ in
/// lightness as well as hue, so that the profile still reads in grey on paper.
const MENTIONS: [&str; 7] = [
    "#7f1d1d", "#c2410c", "#ea9a2b", "#f3d77a", "#9cc97a", "#3f8f5a", "#1b5e3a",
];

/// The chart of a closed poll's result, with its legend and tables; empty when there is none.
pub(super) fn chart(poll: &Poll, result: &PollResult) -> String {
    match &result.details {
        Details::Motion(m) => motion(poll, m, result),
        Details::Counts(c) => counts(poll, c, result),
        Details::MajorityJudgment(d) => merit_profiles(poll, d),
        Details::Schulze(d) => ranking(poll, d, result),
        Details::Budget(b) => budget(poll, b, result),
    }
}

fn label_of(poll: &Poll, id: &OptionId) -> String {
    poll.kind.label_of(id).unwrap_or(id.as_str()).to_owned()
}

/// How much of the chart's width the bar track takes; the figures sit in the rest.
const TRACK_SPAN: f64 = 72.0;

/// `value` over `scale` as a position along the track, in percent of the chart's width
/// (display only).
fn along(value: u64, scale: u64) -> String {
    let share = if scale == 0 {
        0.0
    } else {
        (value as f64 / scale as f64).clamp(0.0, 1.0)
    };
    format!("{:.2}%", share * TRACK_SPAN)
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
    /// A filled bar from `start` to `start + length`, on `scale`.
    fn bar(&mut self, start: u64, length: u64, scale: u64, fill: &str) {
        let _ = write!(
            self.out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"20\" rx=\"4\" fill=\"{fill}\"/>",
            along(start, scale),
            self.y,
            along(length, scale)
        );
    }

    /// One mention of a merit profile, with its count written inside when there is room.
    fn segment(&mut self, start: u64, length: u64, scale: u64, tone: usize) {
        let _ = write!(
            self.out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"20\" fill=\"{}\" stroke=\"#ffffff\"/>",
            along(start, scale),
            self.y,
            along(length, scale),
            MENTIONS[tone]
        );
        // An eighth of the track holds three digits on a phone.
        if length * 8 >= scale {
            let _ = write!(
                self.out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"13\" fill=\"{}\">{}</text>",
                along(start * 2 + length, scale * 2),
                self.y + 15,
                ink_on(tone),
                number(length)
            );
        }
    }

    /// An upright line across the bar at `at` on `scale`: a threshold, the budget, the median.
    fn marker(&mut self, at: u64, scale: u64) {
        let x = along(at, scale);
        // Edged in white so that it shows on every colour it crosses.
        let _ = write!(
            self.out,
            "<line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\" stroke=\"#ffffff\" stroke-width=\"7\"/>\
             <line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\" stroke=\"{MARKER}\" stroke-width=\"3\"/>",
            self.y - 5,
            self.y + 25,
            self.y - 4,
            self.y + 24,
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

/// A legend: colour swatches (or lines) and what they mean.
fn legend(items: &[(&str, bool, String)]) -> String {
    let mut out = String::from("<ul class=\"legend\">");
    for (colour, line, text) in items {
        let _ = write!(
            out,
            "<li><span class=\"sw{}\" style=\"background:{colour}\"></span>{}</li>",
            if *line { " line" } else { "" },
            escape(text)
        );
    }
    out.push_str("</ul>\n");
    out
}

fn figure(svg: String, rest: &str) -> String {
    format!("<figure>\n{svg}{rest}</figure>\n")
}

/// Pour / contre / abstention / blanc, against the number of « pour » that adopts the motion,
/// as on the kiosk's result screen.
fn motion(poll: &Poll, m: &MotionDetails, result: &PollResult) -> String {
    // The scale holds the base (so that the threshold sits where it is) and every bar.
    let scale = m
        .base
        .max(m.for_)
        .max(m.against)
        .max(m.abstain)
        .max(m.blank);
    let of_expressed = |v: u64| percent(v, m.expressed);
    let with_share = |v: u64, share: String| {
        if share.is_empty() {
            number(v)
        } else {
            format!("{} · {share}", number(v))
        }
    };
    let mut rows = vec![
        (
            "Pour",
            m.for_,
            FOR,
            of_expressed(m.for_),
            result.decision == Decision::Adopted,
        ),
        (
            "Contre",
            m.against,
            AGAINST,
            of_expressed(m.against),
            result.decision == Decision::Rejected,
        ),
        // Abstentions are never expressed: no share of the expressed votes.
        ("Abstention", m.abstain, NEUTRAL, String::new(), false),
    ];
    if poll.kind.blank_allowed() || m.blank > 0 {
        let share = if m.rule.blank_is_expressed {
            of_expressed(m.blank)
        } else {
            String::new()
        };
        rows.push(("Vote blanc", m.blank, BLANK, share, false));
    }
    let mut svg = Svg::new();
    let mut spoken = Vec::new();
    for (name, value, colour, share, bold) in &rows {
        let figure = with_share(*value, share.clone());
        svg.row(
            &Row {
                name,
                bold: *bold,
                figure: &figure,
            },
            |track| {
                track.bar(0, *value, scale, colour);
                if scale > 0 {
                    track.marker(m.required, scale);
                }
            },
        );
        spoken.push(if share.is_empty() {
            format!("{name} : {}", number(*value))
        } else {
            format!(
                "{name} : {} ({share} des suffrages exprimés)",
                number(*value)
            )
        });
    }
    let threshold = format!(
        "Seuil d'adoption : {} voix pour sur {} {}",
        number(m.required),
        number(m.base),
        match m.rule.base {
            urne_core::rules::MajorityBase::Expressed => "suffrages exprimés",
            urne_core::rules::MajorityBase::Members => "membres",
        }
    );
    let label = format!("Résultat du vote. {}. {threshold}.", spoken.join(" ; "));
    figure(
        svg.finish(&label),
        &legend(&[
            (FOR, false, "Pour".into()),
            (AGAINST, false, "Contre".into()),
            (NEUTRAL, false, "Abstention".into()),
            (MARKER, true, threshold),
        ]),
    )
}

/// Votes per option (single choice) or approvals per name (approval), with the blank votes;
/// shares are of the non-blank ballots, as on the kiosk.
fn counts(poll: &Poll, c: &CountDetails, result: &PollResult) -> String {
    let base = result.weight.saturating_sub(c.blank);
    let scale = c
        .options
        .iter()
        .map(|o| o.votes)
        .max()
        .unwrap_or(0)
        .max(c.blank);
    let lead = if result.decision == Decision::Tie {
        "ex æquo"
    } else {
        "en tête"
    };
    let mut svg = Svg::new();
    let mut spoken = Vec::new();
    for o in &c.options {
        let winner = result.winners.contains(&o.id);
        let label = label_of(poll, &o.id);
        let name = if winner {
            format!("{label} — {lead}")
        } else {
            label.clone()
        };
        let share = percent(o.votes, base);
        let figure = if share.is_empty() {
            number(o.votes)
        } else {
            format!("{} · {share}", number(o.votes))
        };
        svg.row(
            &Row {
                name: &name,
                bold: winner,
                figure: &figure,
            },
            |track| track.bar(0, o.votes, scale, if winner { PRIMARY } else { NEUTRAL }),
        );
        spoken.push(format!(
            "{name} : {}{}",
            count_words(o.votes),
            if share.is_empty() {
                String::new()
            } else {
                format!(" ({share})")
            }
        ));
    }
    if poll.kind.blank_allowed() || c.blank > 0 {
        let figure = number(c.blank);
        svg.row(
            &Row {
                name: "Vote blanc",
                bold: false,
                figure: &figure,
            },
            |track| track.bar(0, c.blank, scale, BLANK),
        );
        spoken.push(format!("Vote blanc : {}", number(c.blank)));
    }
    let label = format!("Résultat du vote. {}.", spoken.join(" ; "));
    figure(svg.finish(&label), "")
}

fn count_words(n: u64) -> String {
    format!("{} voix", number(n))
}

/// The colour of a mention: shorter scales take evenly spaced colours of the seven, as the
/// kiosk does (`round(grade × 6 / (scale − 1))`).
fn tone_index(grade: usize, scale: usize) -> usize {
    if scale <= 1 {
        return 0;
    }
    ((grade * 6 * 2 + (scale - 1)) / (2 * (scale - 1))).min(6)
}

/// Text on a mention's colour: light on the dark ends of the scale, dark in the middle.
fn ink_on(tone: usize) -> &'static str {
    if tone <= 1 || tone >= 5 {
        "#ffffff"
    } else {
        INK
    }
}

/// The name of a mention: `grade` 0 is the worst of a scale of `grades`.
fn mention(grades: u8, grade: usize) -> &'static str {
    let labels = grade_labels_fr(grades);
    usize::from(grades)
        .checked_sub(1 + grade)
        .and_then(|i| labels.get(i))
        .copied()
        .unwrap_or("?")
}

/// Majority Judgment: one 100 % bar per candidate, in ranked order, split into its mentions
/// from the worst (left) to the best (right), as on the kiosk; the line at 50 % crosses each
/// bar in the candidate's majority mention, which is what decides.
fn merit_profiles(poll: &Poll, d: &MajorityJudgmentDetails) -> String {
    let scale = usize::from(d.grades);
    let mut ranked: Vec<&MeritProfile> = d.candidates.iter().collect();
    ranked.sort_by_key(|c| c.rank);
    let mut svg = Svg::new();
    let mut spoken = Vec::new();
    let mut table = String::from(
        "<div class=\"scroll\"><table>\n<caption>Mentions reçues par chaque candidat</caption>\n\
         <thead><tr><th scope=\"col\">Rang</th><th scope=\"col\">Candidat</th>",
    );
    for grade in 0..scale {
        let _ = write!(table, "<th scope=\"col\">{}</th>", mention(d.grades, grade));
    }
    table.push_str("<th scope=\"col\">Mention majoritaire</th></tr></thead>\n<tbody>\n");
    for c in &ranked {
        let name = format!("{}. {}", c.rank, label_of(poll, &c.id));
        let majority = c
            .majority_grade
            .map_or("—", |g| mention(d.grades, usize::from(g)));
        let total: u64 = c.profile.iter().sum();
        svg.row(
            &Row {
                name: &name,
                bold: c.rank == 1,
                figure: majority,
            },
            |track| {
                let mut before = 0u64;
                for (grade, &w) in c.profile.iter().enumerate().filter(|(_, w)| **w > 0) {
                    track.segment(before, w, total, tone_index(grade, scale));
                    before += w;
                }
                if total > 0 {
                    track.marker(1, 2);
                }
            },
        );
        let shares: Vec<String> = (0..c.profile.len())
            .rev()
            .map(|g| format!("{} {}", mention(d.grades, g), number(c.profile[g])))
            .collect();
        spoken.push(format!(
            "{name}, mention majoritaire {majority} : {}",
            shares.join(", ")
        ));
        let _ = write!(
            table,
            "<tr><td>{}</td><th scope=\"row\">{}</th>",
            c.rank,
            escape(&label_of(poll, &c.id))
        );
        for w in &c.profile {
            let _ = write!(table, "<td>{}</td>", number(*w));
        }
        let _ = writeln!(table, "<td>{majority}</td></tr>");
    }
    table.push_str("</tbody>\n</table></div>\n");
    let label = format!(
        "Profils de mérite, du premier rang au dernier. {}.",
        spoken.join(" ; ")
    );
    let mut items: Vec<(&str, bool, String)> = (0..scale)
        .map(|g| {
            (
                MENTIONS[tone_index(g, scale)],
                false,
                mention(d.grades, g).to_owned(),
            )
        })
        .collect();
    items.push((
        MARKER,
        true,
        "Le trait marque la moitié des votants : la mention qu'il traverse est la mention \
         majoritaire"
            .to_owned(),
    ));
    figure(svg.finish(&label), &(legend(&items) + &table))
}

/// A Schulze ranking: the candidates in ranked order with their duels won (as the kiosk
/// lists them), then the pairwise matrix in that order, a cell coloured when its row wins.
fn ranking(poll: &Poll, d: &SchulzeDetails, result: &PollResult) -> String {
    let index = |id: &OptionId| d.candidates.iter().position(|c| c == id);
    let mut order: Vec<(usize, usize)> = Vec::new();
    for (tier, ids) in result.ranking.iter().flatten().enumerate() {
        for id in ids {
            if let Some(i) = index(id) {
                order.push((i, tier + 1));
            }
        }
    }
    // A result without a ranking (no ballots) lists the candidates in the poll's order.
    if order.is_empty() {
        order = (0..d.candidates.len()).map(|i| (i, 1)).collect();
    }
    let duel = |i: usize, j: usize| d.pairwise.get(i).and_then(|r| r.get(j)).copied();
    let others = d.candidates.len().saturating_sub(1) as u64;
    let mut svg = Svg::new();
    let mut spoken = Vec::new();
    for &(i, rank) in &order {
        let wins = order
            .iter()
            .filter(|&&(j, _)| j != i && duel(i, j).unwrap_or(0) > duel(j, i).unwrap_or(0))
            .count() as u64;
        let name = format!("{rank}. {}", label_of(poll, &d.candidates[i]));
        let figure = format!("{wins} / {others}");
        svg.row(
            &Row {
                name: &name,
                bold: rank == 1,
                figure: &figure,
            },
            |track| track.bar(0, wins, others, if rank == 1 { PRIMARY } else { NEUTRAL }),
        );
        spoken.push(format!(
            "{name}, {wins} duel{} gagné{} sur {others}",
            if wins > 1 { "s" } else { "" },
            if wins > 1 { "s" } else { "" }
        ));
    }
    let label = format!("Classement. {}.", spoken.join(" ; "));
    let mut table = String::from(
        "<div class=\"scroll\"><table>\n<caption>Duels : nombre de votants qui préfèrent la \
         ligne à la colonne (sur fond vert : duel gagné par la ligne)</caption>\n<thead><tr>\
         <td></td>",
    );
    for (position, &(j, _)) in order.iter().enumerate() {
        let _ = write!(
            table,
            "<th scope=\"col\"><abbr title=\"{}\">{}</abbr></th>",
            escape(&label_of(poll, &d.candidates[j])),
            column_key(position)
        );
    }
    table.push_str("</tr></thead>\n<tbody>\n");
    for (position, &(i, _)) in order.iter().enumerate() {
        let _ = write!(
            table,
            "<tr><th scope=\"row\">{}. {}</th>",
            column_key(position),
            escape(&label_of(poll, &d.candidates[i]))
        );
        for &(j, _) in &order {
            if i == j {
                table.push_str("<td>—</td>");
                continue;
            }
            let (ij, ji) = (duel(i, j).unwrap_or(0), duel(j, i).unwrap_or(0));
            if ij > ji {
                let _ = write!(
                    table,
                    "<td class=\"win\">{}<span class=\"sr\"> (gagné)</span></td>",
                    number(ij)
                );
            } else {
                let _ = write!(table, "<td>{}</td>", number(ij));
            }
        }
        table.push_str("</tr>\n");
    }
    table.push_str("</tbody>\n</table></div>\n");
    let caption = format!("<p class=\"meta\">Barres : duels gagnés par chacun sur {others}.</p>\n");
    figure(svg.finish(&label), &(caption + &table))
}

/// A, B, … Z, then AA, AB, …: names the matrix's columns, as on the kiosk.
fn column_key(mut position: usize) -> String {
    let mut key = String::new();
    loop {
        key.insert(0, char::from(b'A' + (position % 26) as u8));
        if position < 26 {
            return key;
        }
        position = position / 26 - 1;
    }
}

/// A participatory budget, as on the kiosk: the funded projects in the order they were funded,
/// each bar starting where the previous one ended (the spending so far), then the projects left
/// out, most approved first, each placed after the final spending so that one that did not fit
/// visibly crosses the budget line.
fn budget(poll: &Poll, b: &BudgetDetails, result: &PollResult) -> String {
    let order: Vec<&OptionId> = result.funded.iter().flatten().collect();
    let mut funded: Vec<_> = b.projects.iter().filter(|p| p.funded).collect();
    funded.sort_by_key(|p| {
        order
            .iter()
            .position(|id| **id == p.id)
            .unwrap_or(usize::MAX)
    });
    let mut left_out: Vec<_> = b.projects.iter().filter(|p| !p.funded).collect();
    // Stable: equal approvals keep the poll's order.
    left_out.sort_by_key(|p| std::cmp::Reverse(p.approvals));
    let scale = left_out
        .iter()
        .map(|p| b.spent.saturating_add(p.cost))
        .max()
        .unwrap_or(0)
        .max(b.budget)
        .max(b.spent);
    let mut svg = Svg::new();
    let mut spoken_funded = Vec::new();
    let mut spoken_left = Vec::new();
    let mut start = 0u64;
    for (p, is_funded) in funded
        .iter()
        .map(|p| (p, true))
        .chain(left_out.iter().map(|p| (p, false)))
    {
        let label = label_of(poll, &p.id);
        // Funded or not is said by a mark as well as by the colour; short, as the line is.
        let mark = if is_funded { "✓ " } else { "" };
        let name = format!("{mark}{label} ({})", count_words(p.approvals));
        let figure = euros(p.cost);
        let from = if is_funded { start } else { b.spent };
        svg.row(
            &Row {
                name: &name,
                bold: is_funded,
                figure: &figure,
            },
            |track| {
                track.bar(
                    from,
                    p.cost,
                    scale,
                    if is_funded { FUNDED } else { UNFUNDED },
                );
                if scale > 0 {
                    track.marker(b.budget, scale);
                }
            },
        );
        let words = format!("{label}, {figure}, {}", count_words(p.approvals));
        if is_funded {
            start = start.saturating_add(p.cost);
            spoken_funded.push(words);
        } else {
            spoken_left.push(words);
        }
    }
    let spending = format!(
        "{} engagés sur {} · reste {}",
        euros(b.spent),
        euros(b.budget),
        euros(b.remaining)
    );
    let none = || "aucun".to_owned();
    let label = format!(
        "Budget participatif de {}. Projets financés, dans l'ordre : {}. Non financés : {}. {spending}.",
        euros(b.budget),
        if spoken_funded.is_empty() {
            none()
        } else {
            spoken_funded.join(" ; ")
        },
        if spoken_left.is_empty() {
            none()
        } else {
            spoken_left.join(" ; ")
        },
    );
    let rest = legend(&[
        (FUNDED, false, "✓ Financé".into()),
        (UNFUNDED, false, "Non financé".into()),
        (MARKER, true, format!("Budget : {}", euros(b.budget))),
    ]) + &format!("<p>{}.</p>\n", escape(&spending));
    figure(svg.finish(&label), &rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_take_the_kiosks_colours_and_names() {
        // Seven mentions: one colour each; five: evenly spaced, both ends kept.
        let seven: Vec<usize> = (0..7).map(|g| tone_index(g, 7)).collect();
        assert_eq!(seven, [0, 1, 2, 3, 4, 5, 6]);
        let five: Vec<usize> = (0..5).map(|g| tone_index(g, 5)).collect();
        assert_eq!(five, [0, 2, 3, 5, 6]);
        assert_eq!(mention(7, 0), "À rejeter");
        assert_eq!(mention(7, 6), "Excellent");
        assert_eq!(mention(5, 0), "Insuffisant");
        assert_eq!(mention(5, 4), "Très bien");
    }

    #[test]
    fn long_names_are_cut_in_the_chart_only() {
        let long = "é".repeat(100);
        let cut = clip(&long);
        assert_eq!(cut.chars().count(), NAME_CHARS);
        assert!(cut.ends_with('…'));
        assert_eq!(clip("Pour"), "Pour");
        assert_eq!(column_key(0), "A");
        assert_eq!(column_key(26), "AA");
        assert_eq!(along(1, 2), "36.00%");
        assert_eq!(along(5, 0), "0.00%");
        assert_eq!(along(7, 7), "72.00%");
    }
}
