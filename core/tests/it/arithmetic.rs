//! The readable arithmetic lines of the three engines, in French and English.

use urne_core::ballot::{Ballot, WeightedBallot};
use urne_core::ids::{OptionId, PollId};
use urne_core::poll::{BudgetMethod, Poll, PollKind, PollOption, Project};
use urne_core::tally::{Lang, TallyContext, arithmetic, tally};

fn id(s: &str) -> OptionId {
    OptionId::new(s).unwrap()
}

fn options(ids: &[&str]) -> Vec<PollOption> {
    ids.iter()
        .map(|s| PollOption {
            id: id(s),
            label: s.to_uppercase(),
        })
        .collect()
}

fn poll(kind: PollKind) -> Poll {
    Poll {
        id: PollId::new("p").unwrap(),
        question: "Q ?".into(),
        kind,
    }
}

fn lines(poll: &Poll, ballots: &[WeightedBallot], lang: Lang) -> String {
    let result = tally(poll, ballots, &TallyContext::default()).unwrap();
    arithmetic(poll, &result, lang).join("\n")
}

#[test]
fn majority_judgment_explains_medians_and_tie_breaks() {
    let p = poll(PollKind::MajorityJudgment {
        candidates: options(&["a", "b"]),
        grades: 5,
    });
    let judge = |a: u8, b: u8, weight| WeightedBallot {
        ballot: Ballot::Grades([(id("a"), a), (id("b"), b)].into_iter().collect()),
        weight,
    };
    // Both have the majority grade 3 ("Bien"); A has more judgments above it.
    let ballots = [judge(4, 3, 1), judge(3, 3, 1), judge(2, 2, 1)];
    let fr = lines(&p, &ballots, Lang::Fr);
    assert!(fr.contains("1. A : mention majoritaire « Bien »"), "{fr}");
    assert!(fr.contains("A devant B : même mention majoritaire"), "{fr}");
    assert!(fr.ends_with("Résultat : A."), "{fr}");
    let en = lines(&p, &ballots, Lang::En);
    assert!(en.contains("A ahead of B: same majority grade"), "{en}");
}

#[test]
fn schulze_lists_duels_and_paths() {
    let p = poll(PollKind::Ranking {
        candidates: options(&["a", "b", "c"]),
    });
    let ballots = [
        WeightedBallot {
            ballot: Ballot::Ranking(vec![vec![id("a")]]),
            weight: 3,
        },
        WeightedBallot::single(Ballot::Blank),
    ];
    let fr = lines(&p, &ballots, Lang::Fr);
    assert!(fr.contains("bulletins blancs : 1"), "{fr}");
    assert!(fr.contains("A – B : 3 / 0"), "{fr}");
    assert!(fr.contains("Vainqueur de Condorcet : A"), "{fr}");
    assert!(fr.contains("Classement : A > B = C"), "{fr}");
    let en = lines(&p, &ballots, Lang::En);
    assert!(en.contains("Ranking: A > B = C"), "{en}");
}

#[test]
fn equal_shares_shows_prices_and_completion() {
    let projects: Vec<Project> = ["x", "y", "z"]
        .iter()
        .map(|s| Project {
            id: id(s),
            label: s.to_uppercase(),
            cost: 100,
        })
        .collect();
    let p = poll(PollKind::Budget {
        projects,
        budget: 250,
        method: BudgetMethod::EqualShares,
    });
    let approve = |ids: &[&str], weight| WeightedBallot {
        ballot: Ballot::Budget(ids.iter().map(|s| id(s)).collect()),
        weight,
    };
    let ballots = [approve(&["x", "y"], 2), approve(&["z"], 1)];
    let fr = lines(&p, &ballots, Lang::Fr);
    assert!(
        fr.contains("Equal Shares (utilités d'approbation), complétion add1 puis gloutonne"),
        "{fr}"
    );
    assert!(
        fr.contains("Part initiale par unité de poids : 250 / 3 = ≈ 83,33 (250/3)"),
        "{fr}"
    );
    assert!(
        fr.contains("X : coût 100, approbations 2 — financé (parts égales)"),
        "{fr}"
    );
    assert!(
        fr.contains("ρ = 50 par unité de poids ; paiements : 2 × 50"),
        "{fr}"
    );
    assert!(fr.contains("Dépensé : 200 sur 250 · Reste : 50"), "{fr}");
    let en = lines(&p, &ballots, Lang::En);
    assert!(
        en.contains("Method: Equal Shares (approval utilities), add1 completion then greedy"),
        "{en}"
    );
    assert!(en.contains("Spent: 200 of 250 · Remaining: 50"), "{en}");
}
