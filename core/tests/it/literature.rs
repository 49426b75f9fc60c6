//! Worked examples from the voting literature, counted through the public tally API and checked
//! against their published answers.

use urne_core::ballot::{Ballot, WeightedBallot};
use urne_core::ids::{OptionId, PollId};
use urne_core::poll::{BudgetMethod, Poll, PollKind, PollOption, Project};
use urne_core::tally::{Decision, Details, PollResult, TallyContext, tally};

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
        id: PollId::new("exemple").unwrap(),
        question: "Question ?".into(),
        kind,
    }
}

fn count(poll: &Poll, ballots: &[WeightedBallot]) -> PollResult {
    tally(poll, ballots, &TallyContext::default()).unwrap()
}

/// A strict ranking written as a string of one-letter candidates (`"ACBED"`), with `weight`.
fn strict(order: &str, weight: u32) -> WeightedBallot {
    WeightedBallot {
        ballot: Ballot::Ranking(
            order
                .chars()
                .map(|c| vec![id(&c.to_ascii_lowercase().to_string())])
                .collect(),
        ),
        weight,
    }
}

fn ranking_of(result: &PollResult) -> Vec<Vec<&str>> {
    result
        .ranking
        .as_ref()
        .unwrap()
        .iter()
        .map(|tier| tier.iter().map(OptionId::as_str).collect())
        .collect()
}

/// Markus Schulze, "A new monotonic, clone-independent, reversal symmetric, and
/// Condorcet-consistent single-winner election method", Social Choice and Welfare 36 (2011),
/// 267–303, section 3.1 (example 1): 45 voters, five candidates. Published result:
/// E > A > C > B > D, with winner E (the same example opens the Wikipedia article "Schulze
/// method").
#[test]
fn schulze_2011_example_1() {
    let p = poll(PollKind::Ranking {
        candidates: options(&["a", "b", "c", "d", "e"]),
    });
    let ballots = [
        strict("ACBED", 5),
        strict("ADECB", 5),
        strict("BEDAC", 8),
        strict("CABED", 3),
        strict("CAEBD", 7),
        strict("CBADE", 2),
        strict("DCEBA", 7),
        strict("EBADC", 8),
    ];
    let r = count(&p, &ballots);
    assert_eq!(r.decision, Decision::Decided);
    assert_eq!(r.winners, vec![id("e")]);
    assert_eq!(
        ranking_of(&r),
        vec![vec!["e"], vec!["a"], vec!["c"], vec!["b"], vec!["d"]]
    );
    let Details::Schulze(d) = &r.details else {
        panic!("Schulze details expected")
    };
    // The published pairwise matrix (row = preferred to column), order A B C D E.
    assert_eq!(
        d.pairwise,
        vec![
            vec![0, 20, 26, 30, 22],
            vec![25, 0, 16, 33, 18],
            vec![19, 29, 0, 17, 24],
            vec![15, 12, 28, 0, 14],
            vec![23, 27, 21, 31, 0],
        ]
    );
    // The published strongest paths.
    assert_eq!(
        d.strongest_paths,
        vec![
            vec![0, 28, 28, 30, 24],
            vec![25, 0, 28, 33, 24],
            vec![25, 29, 0, 29, 24],
            vec![25, 28, 28, 0, 24],
            vec![25, 28, 28, 31, 0],
        ]
    );
    assert_eq!(
        d.condorcet_winner, None,
        "the example has no Condorcet winner"
    );
}

/// Schulze (2011), section 3.2 (example 2): 30 voters, four candidates. Published result:
/// D > A > C > B, winner D.
#[test]
fn schulze_2011_example_2() {
    let p = poll(PollKind::Ranking {
        candidates: options(&["a", "b", "c", "d"]),
    });
    let ballots = [
        strict("ACBD", 5),
        strict("ACDB", 2),
        strict("ADCB", 3),
        strict("BACD", 4),
        strict("CBDA", 3),
        strict("CDBA", 3),
        strict("DACB", 1),
        strict("DBAC", 5),
        strict("DCBA", 4),
    ];
    let r = count(&p, &ballots);
    assert_eq!(r.winners, vec![id("d")]);
    assert_eq!(
        ranking_of(&r),
        vec![vec!["d"], vec!["a"], vec!["c"], vec!["b"]]
    );
}

/// The Tennessee capital example of the Wikipedia article "Condorcet method" (42 % Memphis > Nashville > Chattanooga > Knoxville, 26 % Nashville > Chattanooga >
/// Knoxville > Memphis, 15 % Chattanooga > Knoxville > Nashville > Memphis, 17 % Knoxville >
/// Chattanooga > Nashville > Memphis). Published: Nashville is the Condorcet winner (it beats
/// Memphis 58–42, Chattanooga 68–32 and Knoxville 68–32); Chattanooga beats Knoxville 83–17 and
/// Memphis 58–42; Knoxville beats Memphis 58–42. A Condorcet-consistent order is therefore
/// Nashville > Chattanooga > Knoxville > Memphis.
#[test]
fn tennessee_capital_schulze() {
    let p = poll(PollKind::Ranking {
        candidates: options(&["memphis", "nashville", "chattanooga", "knoxville"]),
    });
    let order = |names: [&str; 4], weight| WeightedBallot {
        ballot: Ballot::Ranking(names.iter().map(|n| vec![id(n)]).collect()),
        weight,
    };
    let ballots = [
        order(["memphis", "nashville", "chattanooga", "knoxville"], 42),
        order(["nashville", "chattanooga", "knoxville", "memphis"], 26),
        order(["chattanooga", "knoxville", "nashville", "memphis"], 15),
        order(["knoxville", "chattanooga", "nashville", "memphis"], 17),
    ];
    let r = count(&p, &ballots);
    let Details::Schulze(d) = &r.details else {
        panic!("Schulze details expected")
    };
    assert_eq!(d.condorcet_winner, Some(id("nashville")));
    // Rows and columns: Memphis, Nashville, Chattanooga, Knoxville.
    assert_eq!(d.pairwise[1][0], 58);
    assert_eq!(d.pairwise[1][2], 68);
    assert_eq!(d.pairwise[1][3], 68);
    assert_eq!(d.pairwise[2][3], 83);
    assert_eq!(d.pairwise[3][0], 58);
    assert_eq!(
        ranking_of(&r),
        vec![
            vec!["nashville"],
            vec!["chattanooga"],
            vec!["knoxville"],
            vec!["memphis"]
        ]
    );
}

/// The Tennessee capital example of the Wikipedia article "Majority judgment" (the version with
/// the four mentions Excellent, Good, Fair, Poor, also reproduced on electowiki): each voter
/// gives Excellent to their first choice, then Good, Fair and Poor. Published merit profiles:
/// Nashville 26 % Excellent, 42 % Good, 32 % Fair; Chattanooga 15 % Excellent, 43 % Good, 42 %
/// Fair; Knoxville 17 % Excellent, 15 % Good, 26 % Fair, 42 % Poor; Memphis 42 % Excellent,
/// 58 % Poor. Nashville and Chattanooga share the majority grade Good and Nashville wins the
/// tie-break; Knoxville's majority grade is Fair and Memphis's Poor.
///
/// Urne's scales have 5 to 7 mentions: the four mentions are mapped to grades 4 (Excellent),
/// 3 (Good), 2 (Fair) and 1 (Poor) of a five-mention scale, grade 0 unused; Majority Judgment
/// only compares grades, so the outcome is the same.
#[test]
fn tennessee_capital_majority_judgment() {
    let p = poll(PollKind::MajorityJudgment {
        candidates: options(&["memphis", "nashville", "chattanooga", "knoxville"]),
        grades: 5,
    });
    let judge = |order: [&str; 4], weight| WeightedBallot {
        ballot: Ballot::Grades(
            order
                .iter()
                .zip([4u8, 3, 2, 1])
                .map(|(name, grade)| (id(name), grade))
                .collect(),
        ),
        weight,
    };
    let ballots = [
        judge(["memphis", "nashville", "chattanooga", "knoxville"], 42),
        judge(["nashville", "chattanooga", "knoxville", "memphis"], 26),
        judge(["chattanooga", "knoxville", "nashville", "memphis"], 15),
        judge(["knoxville", "chattanooga", "nashville", "memphis"], 17),
    ];
    let r = count(&p, &ballots);
    assert_eq!(r.decision, Decision::Decided);
    assert_eq!(r.winners, vec![id("nashville")]);
    assert_eq!(
        ranking_of(&r),
        vec![
            vec!["nashville"],
            vec!["chattanooga"],
            vec!["knoxville"],
            vec!["memphis"]
        ]
    );
    let Details::MajorityJudgment(d) = &r.details else {
        panic!("Majority Judgment details expected")
    };
    let by_id = |s: &str| d.candidates.iter().find(|c| c.id.as_str() == s).unwrap();
    assert_eq!(by_id("nashville").profile, vec![0, 0, 32, 42, 26]);
    assert_eq!(by_id("chattanooga").profile, vec![0, 0, 42, 43, 15]);
    assert_eq!(by_id("knoxville").profile, vec![0, 42, 26, 15, 17]);
    assert_eq!(by_id("memphis").profile, vec![0, 58, 0, 0, 42]);
    assert_eq!(by_id("nashville").majority_grade, Some(3));
    assert_eq!(by_id("chattanooga").majority_grade, Some(3));
    assert_eq!(by_id("knoxville").majority_grade, Some(2));
    assert_eq!(by_id("memphis").majority_grade, Some(1));
}

/// The motivating example of the Method of Equal Shares, as stated by its authors on
/// equalshares.net and in the Wikipedia article "Method of Equal Shares" (section
/// "Motivation"): 51 % of the voters support 10 red projects, 49 % support 10 blue projects,
/// and the budget suffices for 10 projects; the utilitarian (greedy) rule funds the 10 red
/// projects, the Method of Equal Shares funds 5 red and 5 blue ones.
///
/// The example has equal costs, where Equal Shares with approval utilities (ours) and with cost
/// utilities agree. Here: 100 voters as two weighted ballots, 20 projects costing 100 each, a
/// budget of 1000.
/// Equal Shares alone funds 5 red and 4 blue projects (each voter's share of 10 buys 5 red
/// projects at 100/51 and 4 blue ones at 100/49); the add1 completion raises the share to 11,
/// which buys the fifth blue project.
#[test]
fn equal_shares_red_and_blue() {
    let red: Vec<String> = (1..=10).map(|i| format!("red-{i}")).collect();
    let blue: Vec<String> = (1..=10).map(|i| format!("blue-{i}")).collect();
    let projects: Vec<Project> = red
        .iter()
        .chain(&blue)
        .map(|name| Project {
            id: id(name),
            label: name.clone(),
            cost: 100,
        })
        .collect();
    let approve = |names: &[String], weight| WeightedBallot {
        ballot: Ballot::Budget(names.iter().map(|n| id(n)).collect()),
        weight,
    };
    let ballots = [approve(&red, 51), approve(&blue, 49)];
    let funded = |method| {
        let p = poll(PollKind::Budget {
            projects: projects.clone(),
            budget: 1000,
            method,
        });
        count(&p, &ballots)
    };
    let names = |r: &PollResult| -> Vec<String> {
        r.funded
            .as_ref()
            .unwrap()
            .iter()
            .map(|i| i.as_str().to_owned())
            .collect()
    };

    let greedy = funded(BudgetMethod::Greedy);
    assert_eq!(names(&greedy), red);

    let mes = funded(BudgetMethod::EqualShares);
    assert_eq!(mes.decision, Decision::Decided);
    let expected: Vec<String> = red[..5].iter().chain(&blue[..5]).cloned().collect();
    assert_eq!(names(&mes), expected);
    let Details::Budget(d) = &mes.details else {
        panic!("budget details expected")
    };
    let before: Vec<&str> = d
        .funded_before_completion
        .as_ref()
        .unwrap()
        .iter()
        .map(OptionId::as_str)
        .collect();
    assert_eq!(
        before,
        [
            "red-1", "red-2", "red-3", "red-4", "red-5", "blue-1", "blue-2", "blue-3", "blue-4"
        ]
    );
    assert_eq!((d.spent, d.remaining), (1000, 0));
    let es = d.equal_shares.as_ref().unwrap();
    assert_eq!((es.steps, es.virtual_budget), (1, 1100));
    // Every red supporter pays 100/51 per red project.
    let red1 = &d.projects[0];
    assert_eq!(red1.price.as_ref().unwrap().to_string(), "100/51");
    assert_eq!(red1.payments.len(), 1);
    assert_eq!(red1.payments[0].weight, 51);
}
