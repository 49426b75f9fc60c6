//! Benchmarks of the three tally engines at the sizes the appliance must handle: 100,000
//! judgments or rankings of 10 candidates, and 1,000 budget ballots over 50 projects.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use urne_core::ballot::{Ballot, WeightedBallot};
use urne_core::ids::{OptionId, PollId};
use urne_core::poll::{BudgetMethod, Poll, PollKind, PollOption, Project};
use urne_core::tally::{TallyContext, tally};

/// A deterministic xorshift generator: benchmarks must not depend on a random seed.
struct Xorshift(u64);

impl Xorshift {
    fn below(&mut self, m: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % m
    }
}

fn id(prefix: &str, i: usize) -> OptionId {
    OptionId::new(format!("{prefix}{i}")).unwrap()
}

fn poll(kind: PollKind) -> Poll {
    Poll {
        id: PollId::new("bench").unwrap(),
        question: "?".into(),
        kind,
    }
}

fn candidates(n: usize) -> Vec<PollOption> {
    (0..n)
        .map(|i| PollOption {
            id: id("c", i),
            label: format!("C{i}"),
        })
        .collect()
}

fn majority_judgment(c: &mut Criterion) {
    let mut rng = Xorshift(0x9E37_79B9_7F4A_7C15);
    let p = poll(PollKind::MajorityJudgment {
        candidates: candidates(10),
        grades: 7,
    });
    let ballots: Vec<WeightedBallot> = (0..100_000)
        .map(|_| {
            WeightedBallot::single(Ballot::Grades(
                (0..10)
                    .map(|i| (id("c", i), u8::try_from(rng.below(7)).unwrap()))
                    .collect(),
            ))
        })
        .collect();
    let ctx = TallyContext::default();
    c.bench_function("majority judgment 100k × 10", |b| {
        b.iter(|| tally(black_box(&p), black_box(&ballots), &ctx).unwrap())
    });
}

fn schulze(c: &mut Criterion) {
    let mut rng = Xorshift(0x2545_F491_4F6C_DD1D);
    let p = poll(PollKind::Ranking {
        candidates: candidates(10),
    });
    let ballots: Vec<WeightedBallot> = (0..100_000)
        .map(|_| {
            let mut order: Vec<usize> = (0..10).collect();
            for i in (1..10).rev() {
                order.swap(i, rng.below(i as u64 + 1) as usize);
            }
            let ranked = 1 + rng.below(10) as usize;
            WeightedBallot::single(Ballot::Ranking(
                order[..ranked].iter().map(|&i| vec![id("c", i)]).collect(),
            ))
        })
        .collect();
    let ctx = TallyContext::default();
    c.bench_function("schulze 100k × 10", |b| {
        b.iter(|| tally(black_box(&p), black_box(&ballots), &ctx).unwrap())
    });
}

fn equal_shares(c: &mut Criterion) {
    let ctx = TallyContext::default();
    // Sparse (10 %), medium (30 %) and dense (50 %) approval ballots.
    for percent in [10u64, 30, 50] {
        let mut rng = Xorshift(0xD1B5_4A32_D192_ED03 ^ percent);
        let projects: Vec<Project> = (0..50)
            .map(|i| Project {
                id: id("p", i),
                label: format!("P{i}"),
                cost: 10_000 + rng.below(190_000),
            })
            .collect();
        let ballots: Vec<WeightedBallot> = (0..1000)
            .map(|_| {
                WeightedBallot::single(Ballot::Budget(
                    (0..50)
                        .filter(|_| rng.below(100) < percent)
                        .map(|i| id("p", i))
                        .collect(),
                ))
            })
            .collect();
        for method in [BudgetMethod::EqualShares, BudgetMethod::Greedy] {
            let p = poll(PollKind::Budget {
                projects: projects.clone(),
                budget: 1_000_000,
                method,
            });
            c.bench_function(
                &format!("budget {method:?} 1000 × 50, {percent} % approvals"),
                |b| b.iter(|| tally(black_box(&p), black_box(&ballots), &ctx).unwrap()),
            );
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = majority_judgment, schulze, equal_shares
}
criterion_main!(benches);
