//! Participatory budget (budget participatif): greedy allocation and the Method of Equal Shares.
//!
//! # Ballots
//!
//! A ballot approves a set of projects; a ballot of weight `w` counts as `w` identical voters.
//! Blank ballots and empty approval sets are counted and reported as blank. A project that
//! nobody approved is never funded by either method, even if money is left: funding it would
//! spend public money on something no voter asked for.
//!
//! # Greedy
//!
//! Projects are taken by approval weight, most approved first; ties go to the cheaper project,
//! then to the project listed first in the poll. Each project is funded when it still fits in
//! what is left of the budget and skipped otherwise (the scan goes on to cheaper projects).
//!
//! # Method of Equal Shares (Peters & Skowron), approval utilities
//!
//! * **Shares.** Blank voters take no share (a share that can buy nothing would only be left
//!   unspent). With `W` the weight of the other ballots, every unit of weight receives
//!   `t = B / W` of the budget `B`: a voter of weight `w` holds `w·t`.
//! * **Price of a project.** For project `p` of cost `c`, `ρ` is the smallest amount such that
//!   its supporters can pay `c` when each unit of weight pays `min(remaining share, ρ)`; a voter
//!   of weight `w` pays `w · min(share, ρ)`. A project is affordable when its supporters still
//!   hold at least `c` between them.
//! * **Choice.** A voter's utility for a project they approve is 1, whatever its cost
//!   ("approval utilities": the Method of Equal Shares for additive utilities of Peters,
//!   Pierczyński & Skowron, NeurIPS 2021, with utility 1 per approved project; with equal costs
//!   it is Rule X of Peters & Skowron, "Proportionality and the Limits of Welfarism", EC 2020),
//!   so the price per unit of utility is `ρ` itself. Each round funds the affordable project
//!   with the lowest `ρ`. Exact ties go to the project with more approval weight, then to the
//!   cheaper one, then to the one listed first in the poll. Supporters then pay: those whose
//!   share is below `ρ` pay all of it, the others pay `ρ` per unit of weight. Rounds go on
//!   until no project is affordable. When all costs are equal this is the same as Equal Shares
//!   with cost utilities (the default of the equalshares.net compute tool, which minimises
//!   `ρ / c`); with unequal costs the two can differ: approval utilities lean towards the
//!   projects that cost each supporter least, cost utilities towards the projects with more
//!   supporters (see the unit tests for a worked example).
//! * **Exact arithmetic.** Shares and prices are exact rationals. For speed, each run is first
//!   done on integer intervals (fixed point with up to 64 fractional bits) that are certain to
//!   contain the exact values; as soon as one comparison cannot be decided with certainty (a true
//!   tie, or values too close), the run is redone with exact big rationals. Every decision is
//!   therefore the one exact arithmetic takes; there is no floating point. The reported prices
//!   and payments are recomputed exactly from the decisions. When no supporter pays only part
//!   of `ρ` (those short of it have nothing left), `ρ = c / payers` exactly, with `payers` the
//!   weight of those who pay (every project in the first round, for instance); two such prices
//!   are compared on integers (`c₁ · payers₂` against `c₂ · payers₁`), so that their frequent
//!   exact ties (equal costs and approval weights, or 100 / 3 against 200 / 6) are decided
//!   without leaving the fast path. Projects with the same cost and the same supporters
//!   ("twins") always have equal prices; that tie is also decided without leaving the fast
//!   path. Other exact ties make that run exact, which is correct but slower on large polls.
//! * **Completion ("add1").** Equal Shares alone may leave money unspent. As on equalshares.net,
//!   the per-voter share is raised step by step and Equal Shares is run again from scratch with
//!   the larger virtual budget, as long as the current outcome is not exhaustive (some approved,
//!   unfunded project still fits in the real budget); the new outcome is kept when its cost
//!   stays within the real budget, and the completion stops at the first step whose outcome
//!   would exceed it (the last feasible outcome is kept). Bounds: each step adds
//!   `δ = max(1, ⌊B / (100·W)⌋)` currency units per unit of weight — one currency unit as in the
//!   standard add1, or about 1 % of the initial share when shares are larger than 100 units, so
//!   that the number of steps does not depend on whether the budget is written in euros or in
//!   cents — and at most [`MAX_COMPLETION_STEPS`] steps are taken.
//! * **Final greedy pass.** The projects still unfunded are then considered in the greedy order
//!   above and funded when they still fit in the real budget.
//!
//! The real budget is never exceeded: the kept Equal Shares outcome costs at most `B` and the
//! greedy pass only adds what fits.

mod money;

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{Signed, Zero};
use serde::{Deserialize, Serialize};

use super::{Decision, Details, PollResult, draft};
use crate::ballot::{Ballot, WeightedBallot};
use crate::ids::OptionId;
use crate::poll::{BudgetMethod, Project};
use money::{Ambiguous, Exact, Interval, Money};

/// The most completion steps taken by Equal Shares (see the module documentation).
pub const MAX_COMPLETION_STEPS: u32 = 200;

/// An exact non-negative rational, written `numerator/denominator` in lowest terms (`1666/1`,
/// `5000/3`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rational(BigRational);

impl Rational {
    /// `num / den`, reduced. Panics when `den` is zero.
    pub fn new(num: u64, den: u64) -> Self {
        Rational(BigRational::new(BigInt::from(num), BigInt::from(den)))
    }

    fn from_big(value: BigRational) -> Self {
        Rational(value)
    }

    /// The value written as a whole number, when it is one.
    pub fn whole(&self) -> Option<String> {
        self.0.is_integer().then(|| self.0.numer().to_string())
    }

    /// The value rounded to hundredths (half up), as text with the given decimal separator.
    pub fn rounded(&self, decimal_separator: char) -> String {
        let hundred = BigInt::from(100u32);
        let num: BigInt = self.0.numer() * &hundred * 2u32 + self.0.denom();
        let den: BigInt = self.0.denom() * 2u32;
        let cents = num.div_floor(&den);
        let (units, rest) = cents.div_mod_floor(&hundred);
        format!("{units}{decimal_separator}{rest:0>2}")
    }
}

impl fmt::Display for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.0.numer(), self.0.denom())
    }
}

impl Serialize for Rational {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Rational {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let bad = || serde::de::Error::custom(format!("« {text} » is not a fraction n/d"));
        let (n, m) = text.split_once('/').ok_or_else(bad)?;
        let num: BigInt = n.parse().map_err(|_| bad())?;
        let den: BigInt = m.parse().map_err(|_| bad())?;
        if !den.is_positive() || num.is_negative() {
            return Err(bad());
        }
        let value = Rational(BigRational::new(num, den));
        // Only the canonical spelling is accepted, so that re-serialising gives the same bytes.
        if value.to_string() != text {
            return Err(bad());
        }
        Ok(value)
    }
}

/// How a project came to be funded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FundedBy {
    /// By a round of the Method of Equal Shares (at the kept virtual budget).
    EqualShares,
    /// By the greedy method, or by the greedy pass that completes Equal Shares.
    Greedy,
}

/// What a group of supporters paid for a project under Equal Shares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    /// The amount paid per unit of weight (a voter of weight 2 paid twice this).
    pub per_weight: Rational,
    /// The total weight of the supporters who paid this amount.
    pub weight: u64,
}

/// One project of a participatory budget and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectOutcome {
    /// The project.
    pub id: OptionId,
    /// Its cost.
    pub cost: u64,
    /// Weight of the ballots approving it.
    pub approvals: u64,
    /// Whether it is funded.
    pub funded: bool,
    /// How it was funded, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funded_by: Option<FundedBy>,
    /// Under Equal Shares: `ρ`, the most a unit of weight paid for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Rational>,
    /// Under Equal Shares: what its supporters paid, largest amount first; the amounts times
    /// the weights add up to the cost.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payments: Vec<Payment>,
}

/// How Equal Shares and its completion ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EqualSharesReport {
    /// The weight sharing the budget (the non-blank ballots).
    pub voters_weight: u64,
    /// The initial share of one unit of weight: budget / weight.
    pub initial_share: Rational,
    /// Currency units added to the share of one unit of weight at each completion step.
    pub step: u64,
    /// Completion steps whose outcome was kept.
    pub steps: u32,
    /// The virtual budget of the kept run: budget + steps × step × weight.
    pub virtual_budget: u128,
    /// The share of one unit of weight in the kept run: virtual budget / weight.
    pub share: Rational,
}

/// The allocation of a participatory budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetDetails {
    /// The method that ran.
    pub method: BudgetMethod,
    /// The total available.
    pub budget: u64,
    /// The cost of the funded projects.
    pub spent: u64,
    /// `budget - spent`.
    pub remaining: u64,
    /// Weight of the blank ballots (including ballots approving nothing).
    pub blank: u64,
    /// Every project, in the poll's order.
    pub projects: Vec<ProjectOutcome>,
    /// Under Equal Shares: the projects Equal Shares funds on the real budget, before
    /// completion, in the order they were funded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funded_before_completion: Option<Vec<OptionId>>,
    /// Under Equal Shares: how the completion ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equal_shares: Option<EqualSharesReport>,
}

/// The ballots reduced to what the methods need: voters with the same approvals are merged
/// (they always hold the same share per unit of weight, so they pay alike).
#[derive(Debug)]
struct Instance {
    costs: Vec<u64>,
    /// Approval weight per project.
    approvals: Vec<u64>,
    /// Weight of each group of identical ballots.
    group_weight: Vec<u64>,
    /// The supporting groups of each project.
    supporters: Vec<Vec<usize>>,
    /// Projects with the same cost and the same supporters share a twin class: their keys are
    /// always exactly equal, which interval arithmetic could not see.
    twin: Vec<usize>,
    /// Weight of the non-blank ballots.
    weight: u64,
    /// Weight of the blank ballots.
    blank: u64,
}

impl Instance {
    fn new(projects: &[Project], ballots: &[WeightedBallot]) -> Self {
        let mut index: BTreeMap<&OptionId, usize> = BTreeMap::new();
        for (i, p) in projects.iter().enumerate() {
            index.insert(&p.id, i);
        }
        let mut groups: BTreeMap<Vec<usize>, u64> = BTreeMap::new();
        let mut blank = 0u64;
        for b in ballots {
            let w = u64::from(b.weight);
            let set = match &b.ballot {
                Ballot::Budget(set) if !set.is_empty() => set,
                _ => {
                    blank += w;
                    continue;
                }
            };
            let mut key: Vec<usize> = set.iter().filter_map(|id| index.get(id).copied()).collect();
            key.sort_unstable();
            *groups.entry(key).or_insert(0) += w;
        }
        let n = projects.len();
        let mut approvals = vec![0u64; n];
        let mut supporters = vec![Vec::new(); n];
        let mut group_weight = Vec::with_capacity(groups.len());
        let mut weight = 0u64;
        for (g, (set, w)) in groups.into_iter().enumerate() {
            for &p in &set {
                approvals[p] += w;
                supporters[p].push(g);
            }
            group_weight.push(w);
            weight += w;
        }
        let mut classes: BTreeMap<(u64, &[usize]), usize> = BTreeMap::new();
        let twin = (0..n)
            .map(|p| {
                let next = classes.len();
                *classes
                    .entry((projects[p].cost, supporters[p].as_slice()))
                    .or_insert(next)
            })
            .collect();
        Instance {
            twin,
            costs: projects.iter().map(|p| p.cost).collect(),
            approvals,
            group_weight,
            supporters,
            weight,
            blank,
        }
    }

    /// Greedy order: approval weight descending, then cost ascending, then poll order. Projects
    /// nobody approved are left out.
    fn greedy_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.costs.len())
            .filter(|&p| self.approvals[p] > 0)
            .collect();
        order.sort_by(|&a, &b| {
            self.approvals[b]
                .cmp(&self.approvals[a])
                .then(self.costs[a].cmp(&self.costs[b]))
                .then(a.cmp(&b))
        });
        order
    }

    fn cost_of(&self, funded: &[usize]) -> u128 {
        funded.iter().map(|&p| u128::from(self.costs[p])).sum()
    }

    /// Adds, in greedy order, the projects that still fit.
    fn greedy_fill(&self, funded: &mut Vec<usize>, budget: u64) {
        let mut spent = self.cost_of(funded);
        for p in self.greedy_order() {
            if !funded.contains(&p) && spent + u128::from(self.costs[p]) <= u128::from(budget) {
                spent += u128::from(self.costs[p]);
                funded.push(p);
            }
        }
    }

    /// Whether some approved project outside `funded` still fits in `budget`.
    fn exhaustive(&self, funded: &[usize], budget: u64) -> bool {
        let spent = self.cost_of(funded);
        !(0..self.costs.len()).any(|p| {
            self.approvals[p] > 0
                && !funded.contains(&p)
                && spent + u128::from(self.costs[p]) <= u128::from(budget)
        })
    }
}

/// One round of an Equal Shares run: the project funded and the groups that paid all they had
/// left (the others paid `ρ` per unit of weight).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Round {
    project: usize,
    exhausted: Vec<usize>,
}

/// What a round selects on: `ρ`, the most a unit of weight pays (with approval utilities, the
/// price of one unit of utility).
///
/// When no supporter pays only part of `ρ` (those short of it have nothing left), `ρ` is
/// exactly `cost / payers`: that case is also kept as two integers, so that the frequent exact
/// ties (projects with the same cost and approval weight in the first round, for instance) are
/// decided without leaving interval arithmetic.
#[derive(Debug, Clone)]
struct Key<M> {
    rho: M,
    /// `(cost, payers)` when `ρ = cost / payers` exactly.
    per_payer: Option<(u64, u64)>,
}

impl<M: Money> Key<M> {
    fn compare(&self, other: &Self) -> Result<Ordering, Ambiguous> {
        match (self.per_payer, other.per_payer) {
            // c₁ / p₁ against c₂ / p₂ with positive payers: c₁·p₂ against c₂·p₁, which cannot
            // overflow (each factor is below 2^64).
            (Some((c1, p1)), Some((c2, p2))) => {
                Ok((u128::from(c1) * u128::from(p2)).cmp(&(u128::from(c2) * u128::from(p1))))
            }
            _ => self.rho.compare(&other.rho),
        }
    }
}

/// The price `ρ` of a project given the current shares, or `None` when its supporters cannot
/// afford it.
fn price<M: Money>(
    inst: &Instance,
    p: usize,
    shares: &[M],
    scale: u32,
) -> Result<Option<Key<M>>, Ambiguous> {
    let cost = M::ratio(u128::from(inst.costs[p]), 1, scale)?;
    let supp = &inst.supporters[p];
    let mut total = M::zero();
    for &g in supp {
        total = total.add(&shares[g].mul(inst.group_weight[g])?)?;
    }
    if total.compare(&cost)? == Ordering::Less {
        return Ok(None);
    }
    let mut capped = vec![false; supp.len()];
    let mut capped_weight = 0u64;
    let mut capped_money = M::zero();
    loop {
        let payers = inst.approvals[p] - capped_weight;
        if payers == 0 {
            // Impossible when the supporters can afford the project; decided exactly.
            return Err(Ambiguous);
        }
        let rho = cost.sub(&capped_money)?.div(payers)?;
        let mut changed = false;
        for (i, &g) in supp.iter().enumerate() {
            if !capped[i] && shares[g].compare(&rho)? == Ordering::Less {
                capped[i] = true;
                capped_weight += inst.group_weight[g];
                capped_money = capped_money.add(&shares[g].mul(inst.group_weight[g])?)?;
                changed = true;
            }
        }
        if !changed {
            let per_payer = capped_money
                .is_exact_zero()
                .then_some((inst.costs[p], payers));
            return Ok(Some(Key { rho, per_payer }));
        }
    }
}

/// One run of Equal Shares from `share` per unit of weight, returning its rounds. `scale` is
/// the fixed-point scale of interval runs (ignored by exact ones).
fn run<M: Money>(inst: &Instance, share: &M, scale: u32) -> Result<Vec<Round>, Ambiguous> {
    let mut shares: Vec<M> = vec![share.clone(); inst.group_weight.len()];
    let mut remaining: Vec<usize> = (0..inst.costs.len())
        .filter(|&p| inst.approvals[p] > 0)
        .collect();
    // A lower bound of each project's price ρ. At best every supporter pays alike, so
    // ρ ≥ cost / approvals; and ρ only grows as shares shrink (each supporter can pay less at
    // any given ρ), so the price found in an earlier round stays a lower bound.
    let mut key: Vec<Option<Key<M>>> = vec![None; inst.costs.len()];
    for &p in &remaining {
        key[p] = Some(Key {
            rho: M::ratio(
                u128::from(inst.costs[p]),
                u128::from(inst.approvals[p]),
                scale,
            )?,
            per_payer: Some((inst.costs[p], inst.approvals[p])),
        });
    }
    let mut rounds = Vec::new();
    loop {
        remaining.sort_by_cached_key(|&p| (key[p].as_ref().map(|k| k.rho.hint()), p));
        let mut best: Option<(usize, Key<M>)> = None;
        let mut unaffordable = Vec::new();
        for &p in &remaining {
            if let (Some((_, best_key)), Some(bound)) = (&best, &key[p]) {
                // A project whose lower bound is certainly above the best price cannot win;
                // neither can the following ones, whose bounds are at least as large. The
                // bounds are compared as values, not as `cost / payers`: the order of the scan
                // follows the values' lower ends, and only a bound whose lower end is above the
                // best price vouches for the projects after it.
                if matches!(bound.rho.compare(&best_key.rho), Ok(Ordering::Greater)) {
                    break;
                }
            }
            let Some(k) = price(inst, p, &shares, scale)? else {
                unaffordable.push(p);
                continue;
            };
            key[p] = Some(k.clone());
            let better = match &best {
                None => true,
                Some((b, best_key)) => match if inst.twin[p] == inst.twin[*b] {
                    Ordering::Equal
                } else {
                    k.compare(best_key)?
                } {
                    Ordering::Less => true,
                    Ordering::Greater => false,
                    Ordering::Equal => {
                        inst.approvals[p]
                            .cmp(&inst.approvals[*b])
                            .then(inst.costs[*b].cmp(&inst.costs[p]))
                            .then(b.cmp(&p))
                            == Ordering::Greater
                    }
                },
            };
            if better {
                best = Some((p, k));
            }
        }
        remaining.retain(|p| !unaffordable.contains(p));
        let Some((p, Key { rho, .. })) = best else {
            return Ok(rounds);
        };
        let mut exhausted = Vec::new();
        for &g in &inst.supporters[p] {
            if shares[g].compare(&rho)? == Ordering::Less {
                exhausted.push(g);
                shares[g] = M::zero();
            } else {
                shares[g] = shares[g].sub(&rho)?;
            }
        }
        rounds.push(Round {
            project: p,
            exhausted,
        });
        remaining.retain(|&q| q != p);
    }
}

/// Runs Equal Shares with a total (virtual) budget of `num` shared by the instance's weight:
/// on intervals first, exactly when intervals cannot decide.
fn run_at(inst: &Instance, num: u128) -> Vec<Round> {
    let den = u128::from(inst.weight);
    let largest = inst.costs.iter().copied().max().unwrap_or(0);
    let magnitude = num.max(u128::from(largest)).max(1);
    let bits = 128 - magnitude.leading_zeros();
    let scale = 120u32.saturating_sub(bits).min(64);
    if scale >= 24
        && let Ok(rounds) = Interval::ratio(num, den, scale).and_then(|t| run(inst, &t, scale))
    {
        return rounds;
    }
    let t = Exact(BigRational::new(BigInt::from(num), BigInt::from(den)));
    // Exact arithmetic never reports an ambiguity.
    run(inst, &t, 0).unwrap_or_default()
}

/// The exact price and payments of each round, recomputed from the decisions.
fn replay(inst: &Instance, num: u128, rounds: &[Round]) -> Vec<(BigRational, Vec<Payment>)> {
    let share = BigRational::new(BigInt::from(num), BigInt::from(inst.weight));
    let mut shares = vec![share; inst.group_weight.len()];
    let mut out = Vec::with_capacity(rounds.len());
    for round in rounds {
        let p = round.project;
        let mut capped_weight = 0u64;
        let mut capped_money = BigRational::zero();
        let mut paid: BTreeMap<BigRational, u64> = BTreeMap::new();
        for &g in &round.exhausted {
            let w = inst.group_weight[g];
            capped_weight += w;
            capped_money += &shares[g] * BigRational::from_integer(BigInt::from(w));
            *paid.entry(shares[g].clone()).or_insert(0) += w;
        }
        let payers = inst.approvals[p] - capped_weight;
        let rho = (BigRational::from_integer(BigInt::from(inst.costs[p])) - capped_money)
            / BigRational::from_integer(BigInt::from(payers.max(1)));
        if payers > 0 {
            *paid.entry(rho.clone()).or_insert(0) += payers;
        }
        for &g in &inst.supporters[p] {
            if round.exhausted.contains(&g) {
                shares[g] = BigRational::zero();
            } else {
                shares[g] -= &rho;
            }
        }
        let payments = paid
            .into_iter()
            .rev()
            .filter(|(amount, _)| !amount.is_zero())
            .map(|(amount, weight)| Payment {
                per_weight: Rational::from_big(amount),
                weight,
            })
            .collect();
        out.push((rho, payments));
    }
    out
}

/// Equal Shares with add1 completion and a final greedy pass.
struct EqualSharesOutcome {
    before: Vec<usize>,
    kept: Vec<Round>,
    extra: Vec<usize>,
    step: u64,
    steps: u32,
    virtual_budget: u128,
}

fn equal_shares(inst: &Instance, budget: u64) -> EqualSharesOutcome {
    let weight = u128::from(inst.weight);
    let step = (budget / inst.weight.saturating_mul(100).max(1)).max(1);
    let virtual_at = |k: u32| u128::from(budget) + u128::from(k) * u128::from(step) * weight;
    let before = run_at(inst, virtual_at(0));
    let mut kept = before.clone();
    let mut steps = 0u32;
    while steps < MAX_COMPLETION_STEPS {
        let funded: Vec<usize> = kept.iter().map(|r| r.project).collect();
        if inst.exhaustive(&funded, budget) {
            break;
        }
        let next = run_at(inst, virtual_at(steps + 1));
        let next_funded: Vec<usize> = next.iter().map(|r| r.project).collect();
        if inst.cost_of(&next_funded) > u128::from(budget) {
            break;
        }
        kept = next;
        steps += 1;
    }
    let mut funded: Vec<usize> = kept.iter().map(|r| r.project).collect();
    let n_mes = funded.len();
    inst.greedy_fill(&mut funded, budget);
    EqualSharesOutcome {
        before: before.iter().map(|r| r.project).collect(),
        kept,
        extra: funded[n_mes..].to_vec(),
        step,
        steps,
        virtual_budget: virtual_at(steps),
    }
}

/// Allocates the budget.
pub(super) fn count(
    projects: &[Project],
    budget: u64,
    method: BudgetMethod,
    ballots: &[WeightedBallot],
) -> PollResult {
    let inst = Instance::new(projects, ballots);
    let mut outcomes: Vec<ProjectOutcome> = projects
        .iter()
        .enumerate()
        .map(|(i, p)| ProjectOutcome {
            id: p.id.clone(),
            cost: p.cost,
            approvals: inst.approvals[i],
            funded: false,
            funded_by: None,
            price: None,
            payments: Vec::new(),
        })
        .collect();
    let mut funded: Vec<usize> = Vec::new();
    let mut before = None;
    let mut report = None;
    match method {
        BudgetMethod::Greedy => {
            inst.greedy_fill(&mut funded, budget);
            for &p in &funded {
                outcomes[p].funded_by = Some(FundedBy::Greedy);
            }
        }
        BudgetMethod::EqualShares if inst.weight > 0 => {
            let es = equal_shares(&inst, budget);
            let prices = replay(&inst, es.virtual_budget, &es.kept);
            for (round, (rho, payments)) in es.kept.iter().zip(prices) {
                let o = &mut outcomes[round.project];
                o.funded_by = Some(FundedBy::EqualShares);
                o.price = Some(Rational::from_big(rho));
                o.payments = payments;
                funded.push(round.project);
            }
            for &p in &es.extra {
                outcomes[p].funded_by = Some(FundedBy::Greedy);
                funded.push(p);
            }
            before = Some(es.before.iter().map(|&p| projects[p].id.clone()).collect());
            report = Some(EqualSharesReport {
                voters_weight: inst.weight,
                initial_share: Rational::new(budget, inst.weight),
                step: es.step,
                steps: es.steps,
                virtual_budget: es.virtual_budget,
                share: Rational::from_big(BigRational::new(
                    BigInt::from(es.virtual_budget),
                    BigInt::from(inst.weight),
                )),
            });
        }
        BudgetMethod::EqualShares => {
            before = Some(Vec::new());
        }
    }
    for &p in &funded {
        outcomes[p].funded = true;
    }
    let spent_wide = inst.cost_of(&funded);
    // Never more than the budget: both methods only fund what fits.
    let spent = u64::try_from(spent_wide).unwrap_or(u64::MAX).min(budget);
    let ids: Vec<OptionId> = funded.iter().map(|&p| projects[p].id.clone()).collect();
    let decision = if inst.approvals.iter().all(|&a| a == 0) {
        Decision::NoVotes
    } else {
        Decision::Decided
    };
    let winners = if decision == Decision::NoVotes {
        Vec::new()
    } else {
        ids.clone()
    };
    let details = BudgetDetails {
        method,
        budget,
        spent,
        remaining: budget - spent,
        blank: inst.blank,
        projects: outcomes,
        funded_before_completion: before,
        equal_shares: report,
    };
    let mut result = draft(decision, winners, Details::Budget(details));
    result.funded = Some(ids);
    result
}

#[cfg(test)]
mod tests;
