//! Unit and property tests of the result model: exact shares, orders and tones of every kind of
//! chart, and the structured arithmetic written out as the papers have always printed it.

use super::*;
use crate::ballot::{Ballot, MotionChoice, WeightedBallot};
use crate::figures;
use crate::ids::{OptionId, PollId};
use crate::poll::{BudgetMethod, PollKind, PollOption, Project};
use crate::rules::{Attendance, Fraction, MajorityRule, Quorum, QuorumMinimum};
use crate::tally::{FundedBy, TallyContext, arithmetic, decision_sentence, tally};

mod properties;

fn id(s: &str) -> OptionId {
    OptionId::new(s).unwrap()
}

fn poll(kind: PollKind) -> Poll {
    Poll {
        id: PollId::new("p").unwrap(),
        question: "Q ?".into(),
        kind,
    }
}

fn options(list: &[(&str, &str)]) -> Vec<PollOption> {
    list.iter()
        .map(|(i, label)| PollOption {
            id: id(i),
            label: (*label).into(),
        })
        .collect()
}

fn w(ballot: Ballot, weight: u32) -> WeightedBallot {
    WeightedBallot { ballot, weight }
}

fn motion_ballots(for_: u32, against: u32, abstain: u32, blank: u32) -> Vec<WeightedBallot> {
    [
        (Ballot::Motion(MotionChoice::For), for_),
        (Ballot::Motion(MotionChoice::Against), against),
        (Ballot::Motion(MotionChoice::Abstain), abstain),
        (Ballot::Blank, blank),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(b, n)| w(b, n))
    .collect()
}

/// A roster of 150 with a quorum of a third, reached at opening but not at closing.
fn quorum_context() -> TallyContext {
    TallyContext {
        members: 150,
        member_weight: 150,
        quorum: Some(Quorum {
            minimum: QuorumMinimum::ShareOfMembers(Fraction::new(1, 3).unwrap()),
            count_proxies: true,
        }),
        at_open: Attendance {
            present: 60,
            represented: 4,
        },
        at_close: Attendance {
            present: 44,
            represented: 4,
        },
    }
}

fn model(poll: &Poll, ballots: &[WeightedBallot], context: &TallyContext) -> ResultChart {
    ResultChart::of(poll, &tally(poll, ballots, context).unwrap())
}

fn texts(chart: &ResultChart, lang: Lang) -> Vec<String> {
    chart.lines.iter().map(|l| l.text(lang)).collect()
}

#[test]
fn a_motion_draws_its_answers_against_the_majority_required() {
    let p = poll(PollKind::Motion {
        blank_allowed: true,
        rule: MajorityRule::SIMPLE,
    });
    let c = model(&p, &motion_ballots(30, 17, 5, 3), &TallyContext::default());
    assert_eq!(c.decision, Decision::Adopted);
    assert!(c.winners.is_empty(), "a motion's decision says it all");
    let Chart::Motion(m) = &c.chart else {
        panic!("a motion chart")
    };
    // Base 47 expressed, 24 required; the largest bar is 30.
    assert_eq!((m.expressed, m.base, m.required, m.scale), (47, 47, 24, 47));
    assert_eq!(m.threshold, Some(Share::new(24, 47)));
    let labels: Vec<&Label> = m.bars.iter().map(|b| &b.label).collect();
    assert_eq!(
        labels,
        [&Label::For, &Label::Against, &Label::Abstain, &Label::Blank]
    );
    let tones: Vec<Tone> = m.bars.iter().map(|b| b.tone).collect();
    assert_eq!(
        tones,
        [Tone::For, Tone::Against, Tone::Abstain, Tone::Blank]
    );
    let lengths: Vec<Share> = m.bars.iter().map(|b| b.length).collect();
    assert_eq!(
        lengths,
        [30, 17, 5, 3].map(|v| Share::new(v, 47)),
        "every bar on the same scale"
    );
    let in_base: Vec<bool> = m.bars.iter().map(|b| b.in_base).collect();
    assert_eq!(in_base, [true, true, false, false]);
    let percents: Vec<Option<Share>> = m.bars.iter().map(|b| b.percent).collect();
    assert_eq!(
        percents,
        [
            Some(Share::new(30, 47)),
            Some(Share::new(17, 47)),
            None,
            None
        ],
        "abstentions and blank votes are not expressed under this rule"
    );
    assert_eq!(
        m.bars[0].percent.unwrap().percent(Lang::Fr),
        "63,8\u{202F}%"
    );
    assert_eq!(m.bars[1].percent.unwrap().percent(Lang::En), "36.2%");
    let winners: Vec<bool> = m.bars.iter().map(|b| b.winner).collect();
    assert_eq!(winners, [true, false, false, false]);
    assert_eq!(Label::Blank.name(Lang::Fr), "Vote blanc");
    assert_eq!(Label::Abstain.name(Lang::En), "Abstain");
}

#[test]
fn a_motion_on_the_members_counts_blank_when_the_rule_says_so() {
    let absolute = MajorityRule {
        blank_is_expressed: true,
        ..MajorityRule::ABSOLUTE
    };
    let p = poll(PollKind::Motion {
        blank_allowed: true,
        rule: absolute,
    });
    let context = TallyContext {
        members: 60,
        member_weight: 60,
        ..TallyContext::default()
    };
    let c = model(&p, &motion_ballots(20, 10, 4, 2), &context);
    let Chart::Motion(m) = &c.chart else {
        panic!("a motion chart")
    };
    // More than half of 60 members: 31, on a scale of the 60 members.
    assert_eq!((m.base, m.required, m.scale, m.expressed), (60, 31, 60, 32));
    assert_eq!(m.threshold, Some(Share::new(31, 60)));
    assert!(m.bars[3].in_base && !m.bars[2].in_base);
    assert_eq!(m.bars[3].percent, Some(Share::new(2, 32)));
    assert_eq!(c.decision, Decision::Rejected);
    assert!(
        m.bars[1].winner && !m.bars[0].winner,
        "« contre » carries it"
    );
}

#[test]
fn a_motion_without_blank_votes_offered_has_no_blank_bar_and_an_empty_one_no_threshold() {
    let p = poll(PollKind::Motion {
        blank_allowed: false,
        rule: MajorityRule::SIMPLE,
    });
    let c = model(&p, &motion_ballots(1, 1, 0, 0), &TallyContext::default());
    let Chart::Motion(m) = &c.chart else {
        panic!("a motion chart")
    };
    assert_eq!(m.bars.len(), 3);
    // 1 for, 1 against: 2 required on a base of 2; a tie rejects.
    assert_eq!((m.scale, m.threshold), (2, Some(Share::new(2, 2))));
    let c = model(&p, &[], &TallyContext::default());
    let Chart::Motion(m) = &c.chart else {
        panic!("a motion chart")
    };
    assert_eq!((m.scale, m.threshold), (0, None));
    assert!(m.bars.iter().all(|b| b.percent.is_none() && !b.winner));
    assert!(
        m.bars[0].in_base,
        "« pour » counts in the base, empty as it is"
    );
    assert_eq!(m.bars[0].length.ratio(), 0.0);
    assert_eq!(c.decision, Decision::NoVotes);
}

/// A bar as the tests read it: name, value, length, percentage, tone, winner.
type BarRow<'a> = (&'a str, u64, Share, Option<Share>, Tone, bool);

#[test]
fn single_choice_shares_are_of_the_votes_expressed_and_ties_are_said() {
    let p = poll(PollKind::SingleChoice {
        options: options(&[("a", "Salle des fêtes"), ("b", "Gymnase"), ("c", "Mairie")]),
        blank_allowed: true,
    });
    let ballots = [
        w(Ballot::Single(id("a")), 4),
        w(Ballot::Single(id("b")), 4),
        w(Ballot::Single(id("c")), 1),
        w(Ballot::Blank, 5),
    ];
    let c = model(&p, &ballots, &TallyContext::default());
    assert_eq!(c.winners, ["Salle des fêtes", "Gymnase"]);
    let Chart::Counts(k) = &c.chart else {
        panic!("a counts chart")
    };
    assert_eq!(
        (k.kind, k.base, k.scale, k.tied),
        (CountKind::SingleChoice, 9, 5, true)
    );
    let rows: Vec<BarRow<'_>> = k
        .bars
        .iter()
        .map(|b| {
            (
                b.label.name(Lang::Fr),
                b.value,
                b.length,
                b.percent,
                b.tone,
                b.winner,
            )
        })
        .collect();
    let s = Share::new;
    assert_eq!(
        rows,
        [
            (
                "Salle des fêtes",
                4,
                s(4, 5),
                Some(s(4, 9)),
                Tone::Winner,
                true
            ),
            ("Gymnase", 4, s(4, 5), Some(s(4, 9)), Tone::Winner, true),
            ("Mairie", 1, s(1, 5), Some(s(1, 9)), Tone::Plain, false),
            ("Vote blanc", 5, s(5, 5), None, Tone::Blank, false),
        ]
    );
    assert_eq!(
        k.bars[0].percent.unwrap().percent(Lang::Fr),
        "44,4\u{202F}%"
    );
}

#[test]
fn approval_shares_are_of_the_voters_and_blank_shows_only_when_offered_or_cast() {
    let p = poll(PollKind::Approval {
        options: options(&[("a", "Anna"), ("b", "Bruno")]),
        min: 1,
        max: 2,
        blank_allowed: false,
    });
    let both = Ballot::Approval([id("a"), id("b")].into_iter().collect());
    let anna = Ballot::Approval([id("a")].into_iter().collect());
    let c = model(&p, &[w(both, 2), w(anna, 1)], &TallyContext::default());
    let Chart::Counts(k) = &c.chart else {
        panic!("a counts chart")
    };
    assert_eq!(
        (k.kind, k.base, k.scale, k.tied),
        (CountKind::Approval, 3, 3, false)
    );
    assert_eq!(k.bars.len(), 2, "no blank bar: blank is not offered");
    assert_eq!(k.bars[0].percent, Some(Share::new(3, 3)));
    assert_eq!(k.bars[1].percent.unwrap().percent(Lang::En), "66.7%");
    assert_eq!(c.winners, ["Anna"]);
}

fn judgment_poll() -> (Poll, Vec<WeightedBallot>) {
    let p = poll(PollKind::MajorityJudgment {
        candidates: options(&[
            ("a", "Anna"),
            ("b", "Bruno"),
            ("c", "Chloé"),
            ("d", "Denis"),
        ]),
        grades: 5,
    });
    let g = |a: u8, b: u8, c: u8, weight| {
        let grades = [(id("a"), a), (id("b"), b), (id("c"), c), (id("d"), b)];
        w(Ballot::Grades(grades.into_iter().collect()), weight)
    };
    // Anna and Bruno share « Bien »; Denis is judged as Bruno; Chloé is « Passable ».
    (p, vec![g(4, 3, 1, 1), g(3, 3, 1, 1), g(2, 2, 1, 1)])
}

#[test]
fn merit_profiles_run_from_the_worst_mention_to_the_best_in_ranked_order() {
    let (p, ballots) = judgment_poll();
    let c = model(&p, &ballots, &TallyContext::default());
    let Chart::Merit(m) = &c.chart else {
        panic!("a merit chart")
    };
    assert_eq!((m.grades, m.judgments), (5, 3));
    let legend: Vec<String> = m.mentions.iter().map(|x| x.name(Lang::Fr)).collect();
    assert_eq!(
        legend,
        ["Insuffisant", "Passable", "Assez bien", "Bien", "Très bien"]
    );
    let order: Vec<(&str, u32)> = m.rows.iter().map(|r| (r.label.as_str(), r.rank)).collect();
    assert_eq!(
        order,
        [("Anna", 1), ("Bruno", 2), ("Denis", 2), ("Chloé", 3)],
        "a tier keeps the poll's order"
    );
    let anna = &m.rows[0];
    assert_eq!(anna.majority, Some(Mention::new(3, 5)));
    assert_eq!((anna.above, anna.below, anna.total), (1, 1, 3));
    assert_eq!(anna.profile, [0, 0, 1, 1, 1], "every mention, worst first");
    assert_eq!(anna.median, Some(Share::new(1, 2)));
    let segments: Vec<(u8, u64, Share, Share, Tone)> = anna
        .segments
        .iter()
        .map(|s| (s.mention.grade, s.weight, s.start, s.length, s.tone))
        .collect();
    assert_eq!(
        segments,
        [
            (2, 1, Share::new(0, 3), Share::new(1, 3), Tone::Mention(3)),
            (3, 1, Share::new(1, 3), Share::new(1, 3), Tone::Mention(5)),
            (4, 1, Share::new(2, 3), Share::new(1, 3), Tone::Mention(6)),
        ],
        "worst first, each starting where the worse ones end; none for a mention not given"
    );
    assert_eq!(
        anna.segments[0].length.whole_percent(Lang::Fr),
        "33\u{202F}%"
    );
    assert_eq!(m.rows[3].majority.unwrap().name(Lang::En), "Fair");
    assert_eq!(c.winners, ["Anna"]);
}

#[test]
fn mention_tones_spread_shorter_scales_over_the_seven_colours() {
    let tones =
        |grades: u8| -> Vec<Tone> { Mention::scale(grades).map(Tone::of_mention).collect() };
    assert_eq!(tones(7), (0..7).map(Tone::Mention).collect::<Vec<_>>());
    assert_eq!(tones(5), [0, 2, 3, 5, 6].map(Tone::Mention));
    assert_eq!(tones(6), [0, 1, 2, 4, 5, 6].map(Tone::Mention));
}

fn ranking_poll() -> (Poll, Vec<WeightedBallot>) {
    let p = poll(PollKind::Ranking {
        candidates: options(&[("a", "Anna"), ("b", "Bruno"), ("c", "Chloé")]),
    });
    let ballots = vec![
        w(Ballot::Ranking(vec![vec![id("b")], vec![id("a")]]), 3),
        w(Ballot::Ranking(vec![vec![id("a")], vec![id("c")]]), 2),
        w(Ballot::Blank, 1),
    ];
    (p, ballots)
}

#[test]
fn a_ranking_lists_its_rows_and_duels_in_ranked_order() {
    let (p, ballots) = ranking_poll();
    let c = model(&p, &ballots, &TallyContext::default());
    let Chart::Ranking(r) = &c.chart else {
        panic!("a ranking chart")
    };
    assert_eq!(r.others, 2);
    let rows: Vec<(&str, u32, &str, u64, Share, Tone)> = r
        .rows
        .iter()
        .map(|x| {
            (
                x.label.as_str(),
                x.rank,
                x.key.as_str(),
                x.wins,
                x.won,
                x.tone,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Bruno", 1, "A", 2, Share::new(2, 2), Tone::Winner),
            ("Anna", 2, "B", 1, Share::new(1, 2), Tone::Plain),
            ("Chloé", 3, "C", 0, Share::new(0, 2), Tone::Plain),
        ]
    );
    assert_eq!(r.tiers, [vec![0], vec![1], vec![2]]);
    // Anna's row: 2 prefer her to Bruno (3 the other way), 5 to Chloé (none the other way).
    let anna: Vec<(&str, &str, u64, Tone)> = r.rows[1]
        .duels
        .iter()
        .map(|d| (d.against.as_str(), d.key.as_str(), d.value, d.tone))
        .collect();
    assert_eq!(
        anna,
        [
            ("Bruno", "A", 2, Tone::DuelLoss),
            ("Anna", "B", 0, Tone::DuelSelf),
            ("Chloé", "C", 5, Tone::DuelWin),
        ]
    );
}

#[test]
fn equal_duels_are_ties_and_a_tied_first_tier_shares_its_rank() {
    let p = poll(PollKind::Ranking {
        candidates: options(&[("a", "Anna"), ("b", "Bruno")]),
    });
    let ballots = [
        w(Ballot::Ranking(vec![vec![id("a")]]), 1),
        w(Ballot::Ranking(vec![vec![id("b")]]), 1),
    ];
    let c = model(&p, &ballots, &TallyContext::default());
    let Chart::Ranking(r) = &c.chart else {
        panic!("a ranking chart")
    };
    assert_eq!(r.tiers, [vec![0, 1]]);
    assert!(r.rows.iter().all(|x| x.rank == 1 && x.wins == 0));
    assert_eq!(r.rows[0].duels[1].tone, Tone::DuelTie);
    assert_eq!(c.decision, Decision::Tie);
}

#[test]
fn column_keys_go_on_after_z() {
    let keys: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702]
        .into_iter()
        .map(column_key)
        .collect();
    assert_eq!(keys, ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
}

fn budget_poll(method: BudgetMethod) -> (Poll, Vec<WeightedBallot>) {
    let projects = [
        ("x", "Jardin", 300),
        ("y", "Four", 200),
        ("z", "Vélos", 100),
    ]
    .map(|(i, label, cost)| Project {
        id: id(i),
        label: label.into(),
        cost,
    })
    .to_vec();
    let p = poll(PollKind::Budget {
        projects,
        budget: 500,
        method,
    });
    let set = |ids: &[&str]| Ballot::Budget(ids.iter().map(|s| id(s)).collect());
    let ballots = vec![
        w(set(&["x"]), 2),
        w(set(&["y", "z"]), 1),
        w(set(&["x", "z"]), 1),
        w(Ballot::Blank, 1),
    ];
    (p, ballots)
}

#[test]
fn a_budget_stacks_funded_projects_in_funding_order_then_the_left_out_after_the_spending() {
    let (p, ballots) = budget_poll(BudgetMethod::EqualShares);
    let c = model(&p, &ballots, &TallyContext::default());
    let Chart::Budget(b) = &c.chart else {
        panic!("a budget chart")
    };
    assert_eq!(
        (b.budget, b.spent, b.remaining, b.funded),
        (500, 400, 100, 2)
    );
    // The left-out oven (200) placed after the 400 spent reaches 600.
    assert_eq!((b.scale, b.line), (600, Share::new(500, 600)));
    let rows: Vec<(&str, Share, Share, Tone, Option<FundedBy>)> = b
        .rows
        .iter()
        .map(|r| (r.label.as_str(), r.start, r.length, r.tone, r.funded_by))
        .collect();
    let s = |v| Share::new(v, 600);
    let es = Some(FundedBy::EqualShares);
    assert_eq!(
        rows,
        [
            ("Vélos", s(0), s(100), Tone::Funded, es),
            ("Jardin", s(100), s(300), Tone::Funded, es),
            ("Four", s(400), s(200), Tone::LeftOut, None),
        ],
        "Equal Shares funds the bikes first, then the garden"
    );
    assert_eq!(c.winners, ["Vélos", "Jardin"]);
    assert_eq!(figures::euros(b.spent, Lang::Fr), "400\u{00A0}€");
}

#[test]
fn projects_left_out_come_most_approved_first_and_ties_keep_the_polls_order() {
    let projects = [("a", 50), ("b", 80), ("c", 80), ("d", 10)]
        .map(|(i, cost)| Project {
            id: id(i),
            label: i.to_uppercase(),
            cost,
        })
        .to_vec();
    let p = poll(PollKind::Budget {
        projects,
        budget: 100,
        method: BudgetMethod::Greedy,
    });
    let set = |ids: &[&str]| Ballot::Budget(ids.iter().map(|s| id(s)).collect());
    // A 3, B 2, C 2, D 1: A then D fit (60); B and C (80 each) do not.
    let ballots = [w(set(&["a", "b", "c"]), 2), w(set(&["a", "d"]), 1)];
    let c = model(&p, &ballots, &TallyContext::default());
    let Chart::Budget(b) = &c.chart else {
        panic!("a budget chart")
    };
    let order: Vec<(&str, bool)> = b
        .rows
        .iter()
        .map(|r| (r.label.as_str(), r.funded))
        .collect();
    assert_eq!(
        order,
        [("A", true), ("D", true), ("B", false), ("C", false)]
    );
    assert_eq!((b.spent, b.scale), (60, 140));
    assert_eq!(b.rows[2].start, Share::new(60, 140));
}

#[test]
fn the_structured_lines_write_out_todays_motion_and_count_sentences() {
    let p = poll(PollKind::Motion {
        blank_allowed: true,
        rule: MajorityRule::SIMPLE,
    });
    let c = model(&p, &motion_ballots(30, 17, 5, 3), &quorum_context());
    assert_eq!(
        texts(&c, Lang::Fr),
        [
            "Quorum à l'ouverture : 64 membres comptés pour 50 requis — atteint",
            "Quorum à la clôture : 48 membres comptés pour 50 requis — non atteint",
            "Pour : 30 · Contre : 17 · Abstention : 5 · Blanc : 3",
            "Suffrages exprimés : 47 (pour + contre)",
            "Majorité requise : plus de la moitié des suffrages exprimés (47), soit 24 voix pour au minimum",
            "Décision : quorum non atteint.",
        ]
    );
    assert_eq!(
        texts(&c, Lang::En),
        [
            "Quorum at opening: 64 members counted, 50 required — reached",
            "Quorum at closing: 48 members counted, 50 required — not reached",
            "For: 30 · Against: 17 · Abstain: 5 · Blank: 3",
            "Votes expressed: 47 (for + against)",
            "Majority required: more than half of the votes expressed (47), that is at least 24 votes for",
            "Decision: quorum not reached.",
        ]
    );
    assert_eq!(
        c.lines[0],
        Line::Quorum {
            at: crate::tally::Moment::Opening,
            counted: 64,
            required: 50,
            reached: true
        }
    );
    assert_eq!(c.verdict(), Some(&Verdict::QuorumNotReached));
    let two_thirds = poll(PollKind::Motion {
        blank_allowed: true,
        rule: MajorityRule {
            blank_is_expressed: true,
            ..MajorityRule::TWO_THIRDS
        },
    });
    let c = model(
        &two_thirds,
        &motion_ballots(30, 17, 5, 3),
        &TallyContext::default(),
    );
    assert_eq!(
        texts(&c, Lang::Fr)[1..],
        [
            "Suffrages exprimés : 50 (pour + contre + blanc)",
            "Majorité requise : au moins les deux tiers des suffrages exprimés (50), soit 34 voix pour au minimum",
            "Décision : rejetée.",
        ]
    );
    let single = poll(PollKind::SingleChoice {
        options: options(&[("a", "Salle des fêtes"), ("b", "Gymnase")]),
        blank_allowed: true,
    });
    let ballots = [
        w(Ballot::Single(id("a")), 4),
        w(Ballot::Single(id("b")), 4),
        w(Ballot::Blank, 2),
    ];
    let c = model(&single, &ballots, &TallyContext::default());
    assert_eq!(
        texts(&c, Lang::En),
        [
            "Salle des fêtes : 4",
            "Gymnase : 4",
            "Blank: 2",
            "Tie between: Salle des fêtes, Gymnase.",
        ]
    );
}

#[test]
fn the_structured_lines_write_out_todays_majority_judgment_and_schulze_sentences() {
    let (p, ballots) = judgment_poll();
    let c = model(&p, &ballots, &TallyContext::default());
    assert_eq!(
        texts(&c, Lang::Fr),
        [
            "Jugements par candidat : 3 (mention majoritaire = médiane inférieure)",
            "1. Anna : mention majoritaire « Bien » (au-dessus : 1, en dessous : 1) — Très bien 1 · Bien 1 · Assez bien 1 · Passable 0 · Insuffisant 0",
            "2. Bruno : mention majoritaire « Bien » (au-dessus : 0, en dessous : 1) — Très bien 0 · Bien 2 · Assez bien 1 · Passable 0 · Insuffisant 0",
            "2. Denis : mention majoritaire « Bien » (au-dessus : 0, en dessous : 1) — Très bien 0 · Bien 2 · Assez bien 1 · Passable 0 · Insuffisant 0",
            "3. Chloé : mention majoritaire « Passable » (au-dessus : 0, en dessous : 0) — Très bien 0 · Bien 0 · Assez bien 0 · Passable 3 · Insuffisant 0",
            "Anna devant Bruno : même mention majoritaire ; après retrait de 2 mention(s) médiane(s), « Très bien » contre « Bien »",
            "Bruno et Denis ont des profils identiques : égalité",
            "Résultat : Anna.",
        ]
    );
    let en = texts(&c, Lang::En);
    assert_eq!(
        en[1],
        "1. Anna: majority grade “Bien (3)” (above: 1, below: 1) — Très bien (4) 1 · Bien (3) 1 · Assez bien (2) 1 · Passable (1) 0 · Insuffisant (0) 0"
    );
    assert_eq!(
        en[5],
        "Anna ahead of Bruno: same majority grade; after removing 2 median judgment(s), “Très bien (4)” against “Bien (3)”"
    );
    assert_eq!(en[6], "Bruno and Denis have identical profiles: tied");

    let (p, ballots) = ranking_poll();
    let c = model(&p, &ballots, &TallyContext::default());
    assert_eq!(
        texts(&c, Lang::Fr),
        [
            "Méthode Schulze, force des liens en « voix gagnantes » ; bulletins blancs : 1",
            "Duels (d[X,Y] : préfèrent X à Y) :",
            "  Anna – Bruno : 2 / 3",
            "  Anna – Chloé : 5 / 0",
            "  Bruno – Chloé : 3 / 2",
            "Chemins les plus forts (p[X,Y] / p[Y,X]) :",
            "  Anna < Bruno : 0 / 3",
            "  Anna > Chloé : 5 / 0",
            "  Bruno > Chloé : 3 / 0",
            "Vainqueur de Condorcet : Bruno",
            "Classement : Bruno > Anna > Chloé",
            "Résultat : Bruno.",
        ]
    );
    let details: Vec<bool> = c.lines.iter().map(Line::is_detail).collect();
    assert_eq!(details.iter().filter(|d| **d).count(), 6);
    assert!(details[2] && !details[1]);
    assert_eq!(texts(&c, Lang::En)[10], "Ranking: Bruno > Anna > Chloé");
}

#[test]
fn the_structured_lines_write_out_todays_budget_sentences() {
    let (p, ballots) = budget_poll(BudgetMethod::EqualShares);
    let c = model(&p, &ballots, &TallyContext::default());
    assert_eq!(
        texts(&c, Lang::Fr),
        [
            "Méthode : parts égales — Equal Shares (utilités d'approbation), complétion add1 puis gloutonne",
            "Budget : 500 · Bulletins blancs : 1",
            "Part initiale par unité de poids : 500 / 4 = 125",
            "Parts égales seules : Vélos, Jardin",
            "Complétion : 0 étape(s) de 1 par unité de poids ; budget virtuel 500 (part 125)",
            "Jardin : coût 300, approbations 3 — financé (parts égales)",
            "  ρ = ≈ 112,50 (225/2) par unité de poids ; paiements : 2 × ≈ 112,50 (225/2) + 1 × 75",
            "Four : coût 200, approbations 1 — non financé",
            "Vélos : coût 100, approbations 2 — financé (parts égales)",
            "  ρ = 50 par unité de poids ; paiements : 2 × 50",
            "Dépensé : 400 sur 500 · Reste : 100",
            "Projets financés : Vélos, Jardin.",
        ]
    );
    assert_eq!(
        texts(&c, Lang::En)[6],
        "  ρ = ≈ 112.50 (225/2) per unit of weight; payments: 2 × ≈ 112.50 (225/2) + 1 × 75"
    );
    let (p, ballots) = budget_poll(BudgetMethod::Greedy);
    let c = model(&p, &ballots, &TallyContext::default());
    assert_eq!(
        texts(&c, Lang::En),
        [
            "Method: greedy (by approvals, then lower cost)",
            "Budget: 500 · Blank ballots: 1",
            "Jardin: cost 300, approvals 3 — funded (greedy)",
            "Four: cost 200, approvals 1 — not funded",
            "Vélos: cost 100, approvals 2 — funded (greedy)",
            "Spent: 400 of 500 · Remaining: 100",
            "Funded projects: Jardin, Vélos.",
        ]
    );
    // Nobody voted: nothing funded, and the sentence says so.
    let c = model(&p, &[w(Ballot::Blank, 2)], &TallyContext::default());
    assert_eq!(c.verdict(), Some(&Verdict::NoVotes));
}

#[test]
fn the_tally_helpers_are_the_structured_lines_written_out() {
    let (p, ballots) = budget_poll(BudgetMethod::Greedy);
    let result = tally(&p, &ballots, &TallyContext::default()).unwrap();
    let c = ResultChart::of(&p, &result);
    for lang in [Lang::Fr, Lang::En] {
        assert_eq!(arithmetic(&p, &result, lang), texts(&c, lang));
        assert_eq!(
            decision_sentence(&p, &result, lang),
            c.verdict().unwrap().text(lang)
        );
    }
}
