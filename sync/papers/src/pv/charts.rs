//! The procès-verbal's charts: urne-core's result model ([`urne_core::chart`]) drawn in greys,
//! one row per bar, as the kiosk and the registry's pages draw it in colour.
//!
//! Every bar, segment, share, scale, threshold, label and order comes from the model, every
//! figure from [`urne_core::figures`]; this module only lays the rows out and maps the model's
//! colour roles to the paper's greys ([`gray`]).

use urne_core::chart::{
    Bar, BudgetChart, Chart, MeritChart, MotionChart, RankingChart, ResultChart, Share, Tone,
};
use urne_core::figures::{euros, number};
use urne_core::rules::MajorityBase;
use urne_core::tally::Lang;

use super::writer::{BarRow, Face, Span, Writer};

/// Where a bar starts when it starts at the left end of its frame.
const ORIGIN: Share = Share::new(0, 1);
/// The size of a chart's legend.
const LEGEND: f32 = 7.5;

/// The one mapping from the model's colour roles to the paper's greys (0 black, 1 white): the
/// paper is printed in black and white, so what a reader must tell apart differs in lightness.
fn gray(tone: Tone) -> f32 {
    match tone {
        Tone::For | Tone::Winner | Tone::Funded | Tone::DuelWin => 0.15,
        Tone::Against | Tone::Plain => 0.45,
        Tone::LeftOut | Tone::DuelTie => 0.6,
        Tone::Abstain => 0.7,
        Tone::Blank => 0.8,
        // The worst mention lightest, the best darkest.
        Tone::Mention(place) => 0.9 - 0.8 * f32::from(place.min(6)) / 6.0,
        Tone::DuelLoss | Tone::DuelSelf => 1.0,
        Tone::Marker => 0.0,
    }
}

/// The chart of a closed poll's result, with its legend.
pub(super) fn draw(w: &mut Writer, model: &ResultChart, lang: Lang) {
    match &model.chart {
        Chart::Motion(m) => motion(w, m, lang),
        Chart::Counts(c) => bars(w, &c.bars, None, lang),
        Chart::Merit(m) => merit_profiles(w, m, lang),
        Chart::Ranking(r) => ranking(w, r, lang),
        Chart::Budget(b) => budget(w, b, lang),
    }
}

/// The French or the English text.
fn t<'a>(lang: Lang, french: &'a str, english: &'a str) -> &'a str {
    match lang {
        Lang::Fr => french,
        Lang::En => english,
    }
}

fn legend(w: &mut Writer, text: &str) {
    w.para(Face::Regular, LEGEND, 0.3, text);
}

/// One whole bar from the left end of its frame.
fn whole(length: Share, tone: Tone) -> [Span<'static>; 1] {
    [Span {
        start: ORIGIN,
        length,
        gray: gray(tone),
        text: None,
    }]
}

/// Bars with their counts and, when they have one, their share of the base: « 24 · 66,7 % ».
fn bars(w: &mut Writer, bars: &[Bar], marker: Option<Share>, lang: Lang) {
    for bar in bars {
        let value = match bar.percent {
            Some(share) => format!("{} · {}", number(bar.value, lang), share.percent(lang)),
            None => number(bar.value, lang),
        };
        w.bar_row(&BarRow {
            label: bar.label.name(lang),
            note: None,
            bold: bar.winner,
            spans: &whole(bar.length, bar.tone),
            marker,
            value: &value,
        });
    }
}

/// Pour, contre, abstention (and vote blanc) against the number of « pour » that adopts the
/// motion.
fn motion(w: &mut Writer, m: &MotionChart, lang: Lang) {
    bars(w, &m.bars, m.threshold, lang);
    let (required, base) = (number(m.required, lang), number(m.base, lang));
    let text = match (lang, m.rule.base) {
        (Lang::Fr, MajorityBase::Expressed) => format!(
            "Trait : seuil d'adoption, {required} voix pour sur {base} suffrages exprimés. \
             Pourcentages des suffrages exprimés."
        ),
        (Lang::Fr, MajorityBase::Members) => format!(
            "Trait : seuil d'adoption, {required} voix pour sur {base} membres. Pourcentages \
             des suffrages exprimés."
        ),
        (Lang::En, MajorityBase::Expressed) => format!(
            "Line: adoption threshold, {required} votes for out of {base} votes expressed. \
             Percentages of the votes expressed."
        ),
        (Lang::En, MajorityBase::Members) => format!(
            "Line: adoption threshold, {required} votes for out of {base} members. \
             Percentages of the votes expressed."
        ),
    };
    legend(w, &text);
}

/// Majority Judgment: one bar of all the judgments per candidate, in ranked order, split into
/// its mentions from the worst (left) to the best (right), each with its whole percentage;
/// the line at half of the judgments crosses the majority mention, written after the bar.
fn merit_profiles(w: &mut Writer, m: &MeritChart, lang: Lang) {
    for row in &m.rows {
        let percents: Vec<String> = row
            .segments
            .iter()
            .map(|s| s.length.whole_percent(lang))
            .collect();
        let spans: Vec<Span<'_>> = row
            .segments
            .iter()
            .zip(&percents)
            .map(|(s, percent)| Span {
                start: s.start,
                length: s.length,
                gray: gray(s.tone),
                text: Some(percent),
            })
            .collect();
        let majority = row
            .majority
            .map_or_else(|| "—".to_owned(), |g| g.name(lang));
        w.bar_row(&BarRow {
            label: &format!("{}. {}", row.rank, row.label),
            note: None,
            bold: row.rank == 1,
            spans: &spans,
            marker: row.median,
            value: &majority,
        });
    }
    let mentions: Vec<String> = m.mentions.iter().map(|g| g.name(lang)).collect();
    let text = format!(
        "{} {}. {}",
        t(
            lang,
            "Mentions, de gauche à droite :",
            "Mentions, left to right:"
        ),
        mentions.join(" · "),
        t(
            lang,
            "Le trait marque la moitié des votants : la mention qu'il traverse est la mention \
             majoritaire.",
            "The line marks half of the voters: the mention it crosses is the majority mention."
        )
    );
    legend(w, &text);
}

/// A Schulze ranking: the candidates in ranked order, each bar the duels it wins; the duels
/// themselves are in the arithmetic below.
fn ranking(w: &mut Writer, r: &RankingChart, lang: Lang) {
    let others = number(r.others, lang);
    for row in &r.rows {
        w.bar_row(&BarRow {
            label: &format!("{}. {}", row.rank, row.label),
            note: None,
            bold: row.tone == Tone::Winner,
            spans: &whole(row.won, row.tone),
            marker: None,
            value: &format!("{} / {others}", number(row.wins, lang)),
        });
    }
    let text = match lang {
        Lang::Fr => format!("Barres : duels gagnés par chacun sur {others}."),
        Lang::En => format!("Bars: duels won by each, out of {others}."),
    };
    legend(w, &text);
}

/// A participatory budget, as on the kiosk: the funded projects in the order they were funded,
/// each bar starting where the previous one ended, then the projects left out, most approved
/// first, each placed after the final spending, so that one that did not fit crosses the
/// budget line.
fn budget(w: &mut Writer, b: &BudgetChart, lang: Lang) {
    let marker = (b.scale > 0).then_some(b.line);
    for row in &b.rows {
        let approvals = number(row.approvals, lang);
        let approvals = match lang {
            Lang::Fr => format!("({approvals} voix)"),
            Lang::En => format!("({approvals} votes)"),
        };
        w.bar_row(&BarRow {
            label: &row.label,
            note: Some(&approvals),
            bold: row.funded,
            spans: &[Span {
                start: row.start,
                length: row.length,
                gray: gray(row.tone),
                text: None,
            }],
            marker,
            value: &euros(row.cost, lang),
        });
    }
    let (spent, total, left) = (
        euros(b.spent, lang),
        euros(b.budget, lang),
        euros(b.remaining, lang),
    );
    let text = match lang {
        Lang::Fr => format!(
            "Foncé, en gras : financé, dans l'ordre du financement ; clair : non financé ; \
             trait : le budget. {spent} engagés sur {total} · reste {left}."
        ),
        Lang::En => format!(
            "Dark, in bold: funded, in funding order; light: not funded; line: the budget. \
             {spent} committed out of {total} · {left} left."
        ),
    };
    legend(w, &text);
}
