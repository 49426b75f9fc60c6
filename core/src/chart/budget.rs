//! A participatory budget's spending: the funded projects in the order they were funded, each
//! bar starting where the previous one ended (the spending so far), then the projects left out,
//! most approved first, each placed after the final spending, so that one that did not fit
//! visibly crosses the budget line.

use super::{Share, Tone};
use crate::ids::OptionId;
use crate::poll::{BudgetMethod, Poll};
use crate::tally::{BudgetDetails, FundedBy, PollResult, ProjectOutcome};

/// The spending of a participatory budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetChart {
    /// The method that allocated it.
    pub method: BudgetMethod,
    /// The total available.
    pub budget: u64,
    /// The cost of the funded projects.
    pub spent: u64,
    /// What is left.
    pub remaining: u64,
    /// How many projects are funded.
    pub funded: usize,
    /// The scale of the bars: the budget, the spending and every left-out project placed after
    /// it fit on it.
    pub scale: u64,
    /// Where the budget falls on the scale.
    pub line: Share,
    /// Funded projects in funding order, then the projects left out, most approved first.
    pub rows: Vec<ProjectRow>,
}

/// One project's bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRow {
    /// The project.
    pub id: OptionId,
    /// Its label.
    pub label: String,
    /// Its cost, in euros.
    pub cost: u64,
    /// The weight of the ballots approving it.
    pub approvals: u64,
    /// Whether it is funded.
    pub funded: bool,
    /// How it was funded, when it was.
    pub funded_by: Option<FundedBy>,
    /// Where its bar starts on the scale: the spending before it (funded), or the final
    /// spending (left out).
    pub start: Share,
    /// Its bar's length: the cost on the scale.
    pub length: Share,
    /// Its colour role.
    pub tone: Tone,
}

pub(super) fn chart(poll: &Poll, b: &BudgetDetails, result: &PollResult) -> BudgetChart {
    let order: Vec<&OptionId> = result.funded.iter().flatten().collect();
    let mut funded: Vec<&ProjectOutcome> = b.projects.iter().filter(|p| p.funded).collect();
    funded.sort_by_key(|p| {
        order
            .iter()
            .position(|id| **id == p.id)
            .unwrap_or(usize::MAX)
    });
    let mut left_out: Vec<&ProjectOutcome> = b.projects.iter().filter(|p| !p.funded).collect();
    // Stable: equal approvals keep the poll's order.
    left_out.sort_by_key(|p| std::cmp::Reverse(p.approvals));
    // The engine's spending ends the funded bars; their own sum is the same, and is on the
    // scale too should a record ever disagree.
    let funded_sum = funded
        .iter()
        .fold(0u64, |sum, p| sum.saturating_add(p.cost));
    let scale = left_out
        .iter()
        .map(|p| b.spent.saturating_add(p.cost))
        .chain([b.budget, b.spent, funded_sum])
        .max()
        .unwrap_or(0);
    let row = |p: &ProjectOutcome, start: u64, tone: Tone| ProjectRow {
        id: p.id.clone(),
        label: poll.option_label(&p.id),
        cost: p.cost,
        approvals: p.approvals,
        funded: p.funded,
        funded_by: p.funded_by,
        start: Share::new(start, scale),
        length: Share::new(p.cost, scale),
        tone,
    };
    let mut rows = Vec::with_capacity(b.projects.len());
    let mut start = 0u64;
    for p in &funded {
        rows.push(row(p, start, Tone::Funded));
        start = start.saturating_add(p.cost);
    }
    rows.extend(left_out.iter().map(|p| row(p, b.spent, Tone::LeftOut)));
    BudgetChart {
        method: b.method,
        budget: b.budget,
        spent: b.spent,
        remaining: b.remaining,
        funded: funded.len(),
        scale,
        line: Share::new(b.budget, scale),
        rows,
    }
}
