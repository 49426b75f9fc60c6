//! Unit tests of the participatory budget methods: greedy, Equal Shares and its completion.

use super::*;

fn projects(costs: &[u64]) -> Vec<Project> {
    costs
        .iter()
        .enumerate()
        .map(|(i, &cost)| Project {
            id: OptionId::new(format!("p{i}")).unwrap(),
            label: format!("P{i}"),
            cost,
        })
        .collect()
}

fn approve(ids: &[usize], weight: u32) -> WeightedBallot {
    WeightedBallot {
        ballot: Ballot::Budget(
            ids.iter()
                .map(|i| OptionId::new(format!("p{i}")).unwrap())
                .collect(),
        ),
        weight,
    }
}

fn details(r: &PollResult) -> &BudgetDetails {
    match &r.details {
        Details::Budget(d) => d,
        _ => panic!("budget details expected"),
    }
}

#[test]
fn rationals_print_reduced_and_round_half_up() {
    assert_eq!(Rational::new(3332, 2).to_string(), "1666/1");
    assert_eq!(Rational::new(5000, 3).to_string(), "5000/3");
    assert_eq!(Rational::new(5000, 3).rounded(','), "1666,67");
    assert_eq!(Rational::new(1, 8).rounded('.'), "0.13");
    let json = serde_json::to_string(&Rational::new(10, 4)).unwrap();
    assert_eq!(json, "\"5/2\"");
    assert_eq!(
        serde_json::from_str::<Rational>(&json).unwrap(),
        Rational::new(5, 2)
    );
    assert!(serde_json::from_str::<Rational>("\"10/4\"").is_err());
    assert!(serde_json::from_str::<Rational>("\"1/0\"").is_err());
}

#[test]
fn greedy_skips_what_no_longer_fits() {
    let b = vec![approve(&[0, 1], 3), approve(&[1, 2], 2), approve(&[2], 1)];
    // Approvals: p0 3, p1 5, p2 3. Order p1, p2 (cheaper than p0), p0.
    let r = count(&projects(&[40, 70, 30]), 100, BudgetMethod::Greedy, &b);
    assert_eq!(r.decision, Decision::Decided);
    let ids: Vec<&str> = r
        .funded
        .as_ref()
        .unwrap()
        .iter()
        .map(|i| i.as_str())
        .collect();
    assert_eq!(ids, ["p1", "p2"]);
    assert_eq!(details(&r).spent, 100);
}

#[test]
fn no_approvals_is_no_votes() {
    let b = vec![WeightedBallot::single(Ballot::Blank), approve(&[], 2)];
    for method in [BudgetMethod::Greedy, BudgetMethod::EqualShares] {
        let r = count(&projects(&[10]), 100, method, &b);
        assert_eq!(r.decision, Decision::NoVotes);
        assert_eq!(details(&r).blank, 3);
        assert!(r.funded.as_ref().unwrap().is_empty());
    }
}

#[test]
fn equal_shares_splits_proportionally() {
    // 3 voters for A-projects, 1 for B-projects, budget 400, every project costs 100:
    // Equal Shares gives three A and one B, where greedy would give four A.
    let b = vec![approve(&[0, 1, 2, 3], 3), approve(&[4, 5, 6, 7], 1)];
    let costs = [100; 8];
    let r = count(&projects(&costs), 400, BudgetMethod::EqualShares, &b);
    let ids: Vec<&str> = r
        .funded
        .as_ref()
        .unwrap()
        .iter()
        .map(|i| i.as_str())
        .collect();
    assert_eq!(ids, ["p0", "p1", "p2", "p4"]);
    let d = details(&r);
    assert_eq!(d.spent, 400);
    let p0 = &d.projects[0];
    assert_eq!(p0.price, Some(Rational::new(100, 3)));
    assert_eq!(
        p0.payments,
        vec![Payment {
            per_weight: Rational::new(100, 3),
            weight: 3
        }]
    );
    let g = count(&projects(&costs), 400, BudgetMethod::Greedy, &b);
    let ids: Vec<&str> = g
        .funded
        .as_ref()
        .unwrap()
        .iter()
        .map(|i| i.as_str())
        .collect();
    assert_eq!(ids, ["p0", "p1", "p2", "p3"]);
}

/// Funded project ids, in funding order.
fn funded(r: &PollResult) -> Vec<&str> {
    r.funded
        .as_ref()
        .unwrap()
        .iter()
        .map(|i| i.as_str())
        .collect()
}

#[test]
fn approval_utilities_choose_the_lowest_price_not_the_most_supporters() {
    // A hand-checked example with unequal costs where approval and cost utilities differ.
    // Budget 600; six voters: group X (weight 3) approves p0, p1, p2; group Y (weight 2)
    // approves p0; group Z (weight 1) approves p2. Share: 600 / 6 = 100 per voter.
    // Costs: p0 480 (approved by X and Y, weight 5), p1 150 (X, weight 3), p2 240 (X and Z,
    // weight 4).
    //
    // Approval utilities, round 1 (everyone holds 100, nobody is short):
    //   ρ(p0) = 480 / 5 = 96, ρ(p1) = 150 / 3 = 50, ρ(p2) = 240 / 4 = 60.
    //   Lowest ρ: p1. X pays 50 each and keeps 50.
    // Round 2: p0 is out of reach (X 3 × 50 + Y 2 × 100 = 350 < 480). For p2, 240 / 4 = 60
    //   exceeds what X holds, so X pays all its 50 (3 × 50 = 150) and Z pays the rest:
    //   ρ(p2) = (240 − 150) / 1 = 90 ≤ 100. p2 is funded; Z keeps 10, X nothing.
    // Round 3: p0 is out of reach (Y 2 × 100 = 200 < 480).
    //   Equal Shares alone: p1, p2, spending 390. The 210 left cannot buy p0 (480), so the
    //   outcome is exhaustive: no completion step, nothing for the greedy pass.
    //
    // Cost utilities would rank on ρ / cost: p0 96 / 480 = 1/5 beats p2 60 / 240 = 1/4 and
    // p1 50 / 150 = 1/3; p0 is funded first, leaving 4 to each voter of X and Y, and then
    // neither p1 (3 × 4 = 12 < 150) nor p2 (3 × 4 + 100 = 112 < 240) is affordable, nor
    // does either fit in the 120 left: the outcome would be p0 alone (as under greedy).
    let b = vec![approve(&[0, 1, 2], 3), approve(&[0], 2), approve(&[2], 1)];
    let costs = [480, 150, 240];
    let r = count(&projects(&costs), 600, BudgetMethod::EqualShares, &b);
    assert_eq!(funded(&r), ["p1", "p2"]);
    let d = details(&r);
    assert_eq!(
        d.funded_before_completion.as_ref().unwrap(),
        &[OptionId::new("p1").unwrap(), OptionId::new("p2").unwrap()]
    );
    assert_eq!((d.spent, d.remaining), (390, 210));
    let es = d.equal_shares.as_ref().unwrap();
    assert_eq!((es.steps, es.virtual_budget), (0, 600));
    assert_eq!(d.projects[1].price, Some(Rational::new(50, 1)));
    assert_eq!(
        d.projects[1].payments,
        vec![Payment {
            per_weight: Rational::new(50, 1),
            weight: 3
        }]
    );
    assert_eq!(d.projects[2].price, Some(Rational::new(90, 1)));
    assert_eq!(
        d.projects[2].payments,
        vec![
            Payment {
                per_weight: Rational::new(90, 1),
                weight: 1
            },
            Payment {
                per_weight: Rational::new(50, 1),
                weight: 3
            }
        ]
    );
    assert!(!d.projects[0].funded);
    let g = count(&projects(&costs), 600, BudgetMethod::Greedy, &b);
    assert_eq!(funded(&g), ["p0"]);
}

#[test]
fn per_payer_ties_are_decided_on_intervals() {
    // Share 100. p0 costs 100 for 3 supporters and p1 200 for 6: both prices are exactly
    // 100/3, which no interval of binary fractions holds exactly. Compared as 100 · 6 against
    // 200 · 3, the tie is seen and goes to p1, the project with more approval weight.
    let b = vec![approve(&[0], 3), approve(&[1], 6)];
    let inst = Instance::new(&projects(&[100, 200]), &b);
    assert_ne!(inst.twin[0], inst.twin[1]);
    let fast = Interval::ratio(900, 9, 40).and_then(|t| run(&inst, &t, 40));
    let order: Vec<usize> = fast.unwrap().iter().map(|r| r.project).collect();
    assert_eq!(order, [1, 0]);
}

#[test]
fn twin_projects_are_decided_on_intervals() {
    // p0 and p1 cost 250 and have the same supporters: X (weight 1, also approving p2) and Y
    // (weight 3). Z (weight 2) approves p2 alone, which costs 150. With a share of 100 per
    // unit of weight, p2 goes first (ρ = 150 / 3 = 50 against 250 / 4 = 62.5 for each twin)
    // and leaves X 50; the twins then cost X its 50 and Y ρ = (250 − 50) / 3 = 200/3 each
    // (not of the form cost / payers, and not a binary fraction), and the twin tie goes to
    // p0, listed first. Y then holds 3 × 100/3 = 100, too little for p1.
    let b = vec![
        approve(&[0, 1, 2], 1),
        approve(&[0, 1], 3),
        approve(&[2], 2),
    ];
    let inst = Instance::new(&projects(&[250, 250, 150]), &b);
    assert_eq!(inst.twin[0], inst.twin[1]);
    let fast = Interval::ratio(600, 6, 40).and_then(|t| run(&inst, &t, 40));
    let exact = run(
        &inst,
        &Exact(BigRational::new(BigInt::from(600), BigInt::from(6))),
        0,
    )
    .unwrap();
    assert_eq!(fast.ok().as_ref(), Some(&exact));
    let order: Vec<usize> = exact.iter().map(|r| r.project).collect();
    assert_eq!(order, [2, 0]);
    let prices: Vec<BigRational> = replay(&inst, 600, &exact)
        .into_iter()
        .map(|(rho, _)| rho)
        .collect();
    assert_eq!(
        prices,
        [
            BigRational::from_integer(BigInt::from(50)),
            BigRational::new(BigInt::from(200), BigInt::from(3))
        ]
    );
}

/// Equal Shares with approval utilities written plainly, without the engine's shortcuts
/// (no pruning, no fast paths): every round prices every project exactly from scratch and
/// takes the lowest `(ρ, more approvals, lower cost, poll order)`.
fn reference(inst: &Instance, budget: u128) -> Vec<usize> {
    let big = |n: u64| BigRational::from_integer(BigInt::from(n));
    let share = BigRational::new(BigInt::from(budget), BigInt::from(inst.weight));
    let mut shares = vec![share; inst.group_weight.len()];
    let mut funded = Vec::new();
    loop {
        let mut best: Option<(BigRational, usize)> = None;
        for p in 0..inst.costs.len() {
            if inst.approvals[p] == 0 || funded.contains(&p) {
                continue;
            }
            let mut supp = inst.supporters[p].clone();
            supp.sort_by(|&a, &b| shares[a].cmp(&shares[b]));
            let held: BigRational = supp
                .iter()
                .map(|&g| &shares[g] * big(inst.group_weight[g]))
                .sum();
            if held < big(inst.costs[p]) {
                continue;
            }
            // The poorest supporters pay all they hold until the rest can pay alike.
            let mut left = big(inst.costs[p]);
            let mut payers = inst.approvals[p];
            let mut rho = None;
            for &g in &supp {
                let even = &left / big(payers);
                if shares[g] >= even {
                    rho = Some(even);
                    break;
                }
                left -= &shares[g] * big(inst.group_weight[g]);
                payers -= inst.group_weight[g];
            }
            let rho = rho.expect("an affordable project has a price");
            let better = best.as_ref().is_none_or(|(r, b)| {
                rho.cmp(r)
                    .then(inst.approvals[*b].cmp(&inst.approvals[p]))
                    .then(inst.costs[p].cmp(&inst.costs[*b]))
                    .then(p.cmp(b))
                    == Ordering::Less
            });
            if better {
                best = Some((rho, p));
            }
        }
        let Some((rho, p)) = best else {
            return funded;
        };
        for &g in &inst.supporters[p] {
            shares[g] = if shares[g] < rho {
                BigRational::zero()
            } else {
                &shares[g] - &rho
            };
        }
        funded.push(p);
    }
}

#[test]
fn runs_decide_like_the_plain_reference() {
    // Budgets large enough for several rounds, so that prices rise as shares run out and
    // the engine's pruning on stale lower bounds is exercised; both the interval run (when
    // it decides) and the exact run must fund what the reference funds, in the same order.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |m: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % m
    };
    let (mut long_runs, mut capped_rounds) = (0, 0);
    for _ in 0..300 {
        let n_projects = 3 + next(8) as usize;
        let costs: Vec<u64> = (0..n_projects).map(|_| 5 + next(60)).collect();
        let ballots: Vec<WeightedBallot> = (0..(2 + next(14)))
            .map(|_| {
                let set: Vec<usize> = (0..n_projects).filter(|_| next(5) < 2).collect();
                approve(&set, 1 + next(4) as u32)
            })
            .collect();
        let inst = Instance::new(&projects(&costs), &ballots);
        if inst.weight == 0 {
            continue;
        }
        let total: u64 = costs.iter().sum();
        let budget = u128::from(total / 4 + next(total / 2 + 1));
        let exact = run(
            &inst,
            &Exact(BigRational::new(
                BigInt::from(budget),
                BigInt::from(inst.weight),
            )),
            0,
        )
        .unwrap();
        let order: Vec<usize> = exact.iter().map(|r| r.project).collect();
        assert_eq!(
            order,
            reference(&inst, budget),
            "costs {costs:?}, budget {budget}"
        );
        assert_eq!(run_at(&inst, budget), exact);
        long_runs += usize::from(exact.len() >= 3);
        capped_rounds += exact.iter().filter(|r| !r.exhausted.is_empty()).count();
    }
    // The comparison above must not be vacuous.
    assert!(
        long_runs > 50 && capped_rounds > 50,
        "{long_runs} {capped_rounds}"
    );
}

#[test]
fn interval_runs_decide_like_exact_runs() {
    // A deterministic family of instances with many near-ties.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = |m: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % m
    };
    let mut decided_on_intervals = 0;
    for _ in 0..60 {
        let n_projects = 2 + next(6) as usize;
        let costs: Vec<u64> = (0..n_projects).map(|_| 1 + next(50)).collect();
        let ballots: Vec<WeightedBallot> = (0..(1 + next(12)))
            .map(|_| {
                let set: Vec<usize> = (0..n_projects).filter(|_| next(2) == 0).collect();
                approve(&set, 1 + next(3) as u32)
            })
            .collect();
        let inst = Instance::new(&projects(&costs), &ballots);
        if inst.weight == 0 {
            continue;
        }
        let budget = 1 + next(150) as u128;
        let fast =
            Interval::ratio(budget, u128::from(inst.weight), 40).and_then(|t| run(&inst, &t, 40));
        let exact = run(
            &inst,
            &Exact(BigRational::new(
                BigInt::from(budget),
                BigInt::from(inst.weight),
            )),
            0,
        )
        .unwrap();
        if let Ok(fast) = fast {
            assert_eq!(fast, exact);
            decided_on_intervals += 1;
        }
        // Replayed payments add up to each project's cost.
        for (round, (_, payments)) in exact.iter().zip(replay(&inst, budget, &exact)) {
            let total: BigRational = payments
                .iter()
                .map(|p| &p.per_weight.0 * BigRational::from_integer(BigInt::from(p.weight)))
                .sum();
            assert_eq!(
                total,
                BigRational::from_integer(BigInt::from(inst.costs[round.project]))
            );
        }
    }
    // The comparison above must not be vacuous.
    assert!(decided_on_intervals > 20, "{decided_on_intervals}");
}
