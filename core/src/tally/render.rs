//! The one renderer of the arithmetic lines in French and English, for the command line, the
//! procès-verbal and the registry (the kiosk translates each kind of line itself).
//!
//! The figures are written plainly (`15000`, not `15 000`): these lines are the count an
//! auditor redoes by hand, and the same text has been printed since the first release.

use super::explain::{
    BudgetLine, CountLine, JudgmentLine, Line, Moment, MotionLine, SchulzeLine, Verdict,
};
use super::{FundedBy, Rational};
use crate::lang::Lang;
use crate::poll::{BudgetMethod, Mention};
use crate::rules::{Fraction, MajorityBase, Threshold};

impl Line {
    /// The line as a sentence in `lang`; a detail line starts with two spaces.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Line::Quorum {
                at,
                counted,
                required,
                reached,
            } => quorum(*at, *counted, *required, *reached, lang),
            Line::Motion(line) => line.text(lang),
            Line::Count(line) => line.text(lang),
            Line::Judgment(line) => line.text(lang),
            Line::Schulze(line) => line.text(lang),
            Line::Budget(line) => line.text(lang),
            Line::Decision(verdict) => verdict.text(lang),
        }
    }
}

impl MotionLine {
    /// The line as a sentence in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let fr = lang == Lang::Fr;
        match self {
            MotionLine::Counts {
                for_,
                against,
                abstain,
                blank,
            } => pick(
                fr,
                format!(
                    "Pour : {for_} · Contre : {against} · Abstention : {abstain} · Blanc : {blank}"
                ),
                format!("For: {for_} · Against: {against} · Abstain: {abstain} · Blank: {blank}"),
            ),
            MotionLine::Expressed {
                count,
                blank_included,
            } => pick(
                fr,
                format!(
                    "Suffrages exprimés : {count} (pour + contre{})",
                    if *blank_included { " + blanc" } else { "" }
                ),
                format!(
                    "Votes expressed: {count} (for + against{})",
                    if *blank_included { " + blank" } else { "" }
                ),
            ),
            MotionLine::MajorityRequired {
                threshold,
                base,
                base_count,
                required,
            } => majority_required(threshold, *base, *base_count, *required, lang),
        }
    }
}

impl CountLine {
    /// The line as a sentence in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            // The same in both languages, as it has always been printed.
            CountLine::Option { label, votes } => format!("{label} : {votes}"),
            CountLine::Blank { count } => pick(
                lang == Lang::Fr,
                format!("Blanc : {count}"),
                format!("Blank: {count}"),
            ),
        }
    }
}

impl Verdict {
    /// « Décision : adoptée. », « Égalité entre : A, B. », …
    pub fn text(&self, lang: Lang) -> String {
        let fr = lang == Lang::Fr;
        let text = |french: &str, english: &str| pick(fr, french.to_owned(), english.to_owned());
        match self {
            Verdict::Adopted => text("Décision : adoptée.", "Decision: adopted."),
            Verdict::Rejected => text("Décision : rejetée.", "Decision: rejected."),
            Verdict::QuorumNotReached => text(
                "Décision : quorum non atteint.",
                "Decision: quorum not reached.",
            ),
            Verdict::NoVotes => text(
                "Décision : aucun suffrage exprimé.",
                "Decision: no votes expressed.",
            ),
            Verdict::Tie { between } => pick(
                fr,
                format!("Égalité entre : {}.", between.join(", ")),
                format!("Tie between: {}.", between.join(", ")),
            ),
            Verdict::Winner { names } => pick(
                fr,
                format!("Résultat : {}.", names.join(", ")),
                format!("Result: {}.", names.join(", ")),
            ),
            Verdict::Funded { projects } => pick(
                fr,
                format!("Projets financés : {}.", projects.join(", ")),
                format!("Funded projects: {}.", projects.join(", ")),
            ),
            Verdict::NothingFunded => text("Aucun projet financé.", "No project funded."),
        }
    }
}

fn pick(fr: bool, french: String, english: String) -> String {
    if fr { french } else { english }
}

fn quorum(at: Moment, counted: u64, required: u64, reached: bool, lang: Lang) -> String {
    match lang {
        Lang::Fr => format!(
            "Quorum {} : {counted} membres comptés pour {required} requis — {}",
            match at {
                Moment::Opening => "à l'ouverture",
                Moment::Closing => "à la clôture",
            },
            if reached { "atteint" } else { "non atteint" }
        ),
        Lang::En => format!(
            "Quorum {}: {counted} members counted, {required} required — {}",
            match at {
                Moment::Opening => "at opening",
                Moment::Closing => "at closing",
            },
            if reached { "reached" } else { "not reached" }
        ),
    }
}

/// How a threshold reads: « plus de la moitié », « au moins les deux tiers », « plus de 3/5 ».
fn threshold_words(t: &Threshold, lang: Lang) -> String {
    match (t, lang) {
        (Threshold::MoreThan(f), Lang::Fr) if *f == Fraction::HALF => "plus de la moitié".into(),
        (Threshold::MoreThan(f), Lang::Fr) => format!("plus de {f}"),
        (Threshold::AtLeast(f), Lang::Fr) if *f == Fraction::TWO_THIRDS => {
            "au moins les deux tiers".into()
        }
        (Threshold::AtLeast(f), Lang::Fr) => format!("au moins {f}"),
        (Threshold::MoreThan(f), Lang::En) if *f == Fraction::HALF => "more than half".into(),
        (Threshold::MoreThan(f), Lang::En) => format!("more than {f}"),
        (Threshold::AtLeast(f), Lang::En) if *f == Fraction::TWO_THIRDS => {
            "at least two thirds".into()
        }
        (Threshold::AtLeast(f), Lang::En) => format!("at least {f}"),
    }
}

fn majority_required(
    threshold: &Threshold,
    base: MajorityBase,
    base_count: u64,
    required: u64,
    lang: Lang,
) -> String {
    let words = threshold_words(threshold, lang);
    match lang {
        Lang::Fr => format!(
            "Majorité requise : {words} {} ({base_count}), soit {required} voix pour au minimum",
            match base {
                MajorityBase::Expressed => "des suffrages exprimés",
                MajorityBase::Members => "des membres",
            }
        ),
        Lang::En => format!(
            "Majority required: {words} {} ({base_count}), that is at least {required} votes for",
            match base {
                MajorityBase::Expressed => "of the votes expressed",
                MajorityBase::Members => "of the members",
            }
        ),
    }
}

/// A mention as the arithmetic names it: in English the French name is kept, with the grade's
/// number, as the papers have always printed it.
fn mention_words(m: Mention, lang: Lang) -> String {
    match (lang, m.label(Lang::Fr)) {
        (Lang::Fr, Some(name)) => name.to_owned(),
        (Lang::En, Some(name)) => format!("{name} ({})", m.grade),
        (_, None) => m.grade.to_string(),
    }
}

impl JudgmentLine {
    /// The line as a sentence in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let fr = lang == Lang::Fr;
        match self {
            JudgmentLine::Judgments { count } => pick(
                fr,
                format!(
                    "Jugements par candidat : {count} (mention majoritaire = médiane inférieure)"
                ),
                format!("Judgments per candidate: {count} (majority grade = lower median)"),
            ),
            JudgmentLine::Profile {
                rank,
                label,
                majority,
                above,
                below,
                mentions,
            } => {
                let shares: Vec<String> = mentions
                    .iter()
                    .map(|(m, weight)| format!("{} {weight}", mention_words(*m, lang)))
                    .collect();
                let majority = majority.map_or_else(|| "—".to_owned(), |m| mention_words(m, lang));
                let shares = shares.join(" · ");
                pick(
                    fr,
                    format!(
                        "{rank}. {label} : mention majoritaire « {majority} » (au-dessus : {above}, en dessous : {below}) — {shares}"
                    ),
                    format!(
                        "{rank}. {label}: majority grade “{majority}” (above: {above}, below: {below}) — {shares}"
                    ),
                )
            }
            JudgmentLine::Identical { first, second } => pick(
                fr,
                format!("{first} et {second} ont des profils identiques : égalité"),
                format!("{first} and {second} have identical profiles: tied"),
            ),
            JudgmentLine::TieBroken {
                ahead,
                behind,
                removed,
                ahead_mention,
                behind_mention,
            } => {
                let (a, b) = (
                    mention_words(*ahead_mention, lang),
                    mention_words(*behind_mention, lang),
                );
                pick(
                    fr,
                    format!(
                        "{ahead} devant {behind} : même mention majoritaire ; après retrait de {removed} mention(s) médiane(s), « {a} » contre « {b} »"
                    ),
                    format!(
                        "{ahead} ahead of {behind}: same majority grade; after removing {removed} median judgment(s), “{a}” against “{b}”"
                    ),
                )
            }
        }
    }
}

impl SchulzeLine {
    /// The line as a sentence in `lang`; a duel or a path starts with two spaces.
    pub fn text(&self, lang: Lang) -> String {
        let fr = lang == Lang::Fr;
        match self {
            SchulzeLine::Method { blank } => pick(
                fr,
                format!(
                    "Méthode Schulze, force des liens en « voix gagnantes » ; bulletins blancs : {blank}"
                ),
                format!("Schulze method, link strength by “winning votes”; blank ballots: {blank}"),
            ),
            SchulzeLine::DuelsHeading => pick(
                fr,
                "Duels (d[X,Y] : préfèrent X à Y) :".to_owned(),
                "Pairwise duels (d[X,Y]: prefer X to Y):".to_owned(),
            ),
            SchulzeLine::Duel {
                first,
                second,
                first_over_second,
                second_over_first,
            } => format!("  {first} – {second} : {first_over_second} / {second_over_first}"),
            SchulzeLine::PathsHeading => pick(
                fr,
                "Chemins les plus forts (p[X,Y] / p[Y,X]) :".to_owned(),
                "Strongest paths (p[X,Y] / p[Y,X]):".to_owned(),
            ),
            SchulzeLine::Path {
                first,
                second,
                first_to_second,
                second_to_first,
            } => {
                let relation = match first_to_second.cmp(second_to_first) {
                    std::cmp::Ordering::Greater => ">",
                    std::cmp::Ordering::Less => "<",
                    std::cmp::Ordering::Equal => "=",
                };
                format!("  {first} {relation} {second} : {first_to_second} / {second_to_first}")
            }
            SchulzeLine::Condorcet { winner: Some(w) } => pick(
                fr,
                format!("Vainqueur de Condorcet : {w}"),
                format!("Condorcet winner: {w}"),
            ),
            SchulzeLine::Condorcet { winner: None } => pick(
                fr,
                "Pas de vainqueur de Condorcet".to_owned(),
                "No Condorcet winner".to_owned(),
            ),
            SchulzeLine::Ranking { tiers } => {
                let order: Vec<String> = tiers.iter().map(|t| t.join(" = ")).collect();
                let order = order.join(" > ");
                pick(
                    fr,
                    format!("Classement : {order}"),
                    format!("Ranking: {order}"),
                )
            }
        }
    }
}

/// An amount for people: exact when whole, otherwise rounded to the cent with its fraction.
fn money(r: &Rational, lang: Lang) -> String {
    let separator = match lang {
        Lang::Fr => ',',
        Lang::En => '.',
    };
    match r.whole() {
        Some(whole) => whole,
        None => format!("≈ {} ({r})", r.rounded(separator)),
    }
}

impl BudgetLine {
    /// The line as a sentence in `lang`; payments start with two spaces.
    pub fn text(&self, lang: Lang) -> String {
        let fr = lang == Lang::Fr;
        match self {
        BudgetLine::Method { method } => match (method, fr) {
            (BudgetMethod::Greedy, true) => {
                "Méthode : gloutonne (par nombre d'approbations, puis coût croissant)".to_owned()
            }
            (BudgetMethod::Greedy, false) => {
                "Method: greedy (by approvals, then lower cost)".to_owned()
            }
            (BudgetMethod::EqualShares, true) => {
                "Méthode : parts égales — Equal Shares (utilités d'approbation), complétion add1 \
                 puis gloutonne"
                    .to_owned()
            }
            (BudgetMethod::EqualShares, false) => {
                "Method: Equal Shares (approval utilities), add1 completion then greedy".to_owned()
            }
        },
        BudgetLine::Totals { budget, blank } => pick(
            fr,
            format!("Budget : {budget} · Bulletins blancs : {blank}"),
            format!("Budget: {budget} · Blank ballots: {blank}"),
        ),
        BudgetLine::InitialShare {
            budget,
            voters_weight,
            share,
        } => {
            let share = money(share, lang);
            pick(
                fr,
                format!("Part initiale par unité de poids : {budget} / {voters_weight} = {share}"),
                format!("Initial share per unit of weight: {budget} / {voters_weight} = {share}"),
            )
        }
        BudgetLine::EqualSharesAlone { projects } => pick(
            fr,
            format!("Parts égales seules : {}", projects.join(", ")),
            format!("Equal Shares alone: {}", projects.join(", ")),
        ),
        BudgetLine::Completion {
            steps,
            step,
            virtual_budget,
            share,
        } => {
            let share = money(share, lang);
            pick(
                fr,
                format!(
                    "Complétion : {steps} étape(s) de {step} par unité de poids ; budget virtuel {virtual_budget} (part {share})"
                ),
                format!(
                    "Completion: {steps} step(s) of {step} per unit of weight; virtual budget {virtual_budget} (share {share})"
                ),
            )
        }
        BudgetLine::Project {
            label,
            cost,
            approvals,
            funded_by,
        } => {
            let status = match (funded_by, fr) {
                (Some(FundedBy::EqualShares), true) => "financé (parts égales)",
                (Some(FundedBy::EqualShares), false) => "funded (Equal Shares)",
                (Some(FundedBy::Greedy), true) => "financé (glouton)",
                (Some(FundedBy::Greedy), false) => "funded (greedy)",
                (None, true) => "non financé",
                (None, false) => "not funded",
            };
            pick(
                fr,
                format!("{label} : coût {cost}, approbations {approvals} — {status}"),
                format!("{label}: cost {cost}, approvals {approvals} — {status}"),
            )
        }
        BudgetLine::Payments { price, payments } => {
            let paid: Vec<String> = payments
                .iter()
                .map(|pay| format!("{} × {}", pay.weight, money(&pay.per_weight, lang)))
                .collect();
            let (price, paid) = (money(price, lang), paid.join(" + "));
            pick(
                fr,
                format!("  ρ = {price} par unité de poids ; paiements : {paid}"),
                format!("  ρ = {price} per unit of weight; payments: {paid}"),
            )
        }
        BudgetLine::NothingFits => pick(
            fr,
            "Aucun projet approuvé ne tient dans le budget".to_owned(),
            "No approved project fits in the budget".to_owned(),
        ),
        BudgetLine::Spent {
            spent,
            budget,
            remaining,
        } => pick(
            fr,
            format!("Dépensé : {spent} sur {budget} · Reste : {remaining}"),
            format!("Spent: {spent} of {budget} · Remaining: {remaining}"),
        ),
    }
    }
}
