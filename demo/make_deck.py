#!/usr/bin/env python3
"""Generates demo/test-deck.toml: the demo assembly's test deck (essai à blanc).

The ballots are drawn with a fixed seed; the expected results are computed HERE, by a second,
independent implementation of Urne's documented counting rules (docs/formats.md and the
module documentation of core/src/tally/), written in plain Python with exact fractions. A deck
whose expected results came from the engine under test would prove nothing.

Usage (from the repository root, after `cargo build -p urne-cli --bin urne`):

    target/debug/urne demo --package /tmp/demo.urnepkg --key /tmp/demo.key
    target/debug/urne badges --package /tmp/demo.urnepkg --key /tmp/demo.key > /tmp/badges.tsv
    python3 demo/make_deck.py /tmp/badges.tsv > demo/test-deck.toml
"""

import random
import sys
from fractions import Fraction

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

SEED = 20261205
CHECKINS = 64
VOTERS = 60
MEMBERS = 150
# Two absent members give their proxy to members present; their holders vote for them.
PROXIES = [(100, 5), (101, 6)]  # (position of the absent member in the roster, holder's check-in)


def read_badges(path):
    members, organisers = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            member_id, name, role, payload = line.rstrip("\n").split("\t")
            (organisers if role == "Organiser" else members).append((name, payload))
    return members, organisers


def read_event():
    with open("demo/assemblee-demo.toml", "rb") as f:
        return tomllib.load(f)


# --- Independent counting -------------------------------------------------------------------

def motion(ballots, at_least=None, more_than=None, blank_expressed=False):
    counts = {"for": 0, "against": 0, "abstain": 0, "blank": 0}
    for b in ballots:
        counts[b] += 1
    expressed = counts["for"] + counts["against"] + (counts["blank"] if blank_expressed else 0)
    if more_than is not None:
        required = (more_than.numerator * expressed) // more_than.denominator + 1
    else:
        required = -((-at_least.numerator * expressed) // at_least.denominator)
    required = max(required, 1)
    decision = "adopted" if counts["for"] >= required else "rejected"
    return {"ballots": len(ballots), "decision": decision, **counts}


def counts(ballots, options, pick):
    votes = {o: 0 for o in options}
    blank = 0
    for b in ballots:
        if b == "blank":
            blank += 1
        else:
            for o in pick(b):
                votes[o] += 1
    best = max(votes.values())
    winners = [o for o in options if votes[o] == best] if best > 0 else []
    decision = "no-votes" if not winners else ("decided" if len(winners) == 1 else "tie")
    return {"ballots": len(ballots), "decision": decision, "votes": votes, "blank": blank,
            "winners": winners}


def majority_judgment(ballots, candidates):
    """Lower median; ties broken by removing the median grade one at a time (Balinski–Laraki)."""
    def median_sequence(grades):
        grades = sorted(grades)
        seq = []
        while grades:
            i = (len(grades) - 1) // 2
            seq.append(grades.pop(i))
        return seq

    seqs = {c: median_sequence([b[c] for b in ballots]) for c in candidates}
    order = sorted(candidates, key=lambda c: (tuple(-g for g in seqs[c]), candidates.index(c)))
    tiers = []
    for c in order:
        if tiers and seqs[tiers[-1][0]] == seqs[c]:
            tiers[-1].append(c)
        else:
            tiers.append([c])
    decision = "decided" if len(tiers[0]) == 1 else "tie"
    return {"ballots": len(ballots), "decision": decision, "winners": tiers[0], "ranking": tiers}


def schulze(ballots, candidates):
    """Winning votes, widest paths, tiers of unbeaten candidates; unranked tie below ranked."""
    n = len(candidates)
    idx = {c: i for i, c in enumerate(candidates)}
    d = [[0] * n for _ in range(n)]
    for ranking in ballots:
        if ranking == "blank":
            continue
        rank = {c: len(ranking) for c in candidates}
        for pos, c in enumerate(ranking):
            rank[c] = pos
        for a in candidates:
            for b in candidates:
                if rank[a] < rank[b]:
                    d[idx[a]][idx[b]] += 1
    p = [[d[i][j] if i != j and d[i][j] > d[j][i] else 0 for j in range(n)] for i in range(n)]
    for k in range(n):
        for i in range(n):
            if i == k:
                continue
            for j in range(n):
                if j == i or j == k:
                    continue
                p[i][j] = max(p[i][j], min(p[i][k], p[k][j]))
    remaining = list(range(n))
    tiers = []
    while remaining:
        top = [i for i in remaining if not any(p[j][i] > p[i][j] for j in remaining if j != i)]
        tiers.append([candidates[i] for i in top])
        remaining = [i for i in remaining if i not in top]
    decision = "decided" if len(tiers[0]) == 1 else "tie"
    return {"ballots": len(ballots), "decision": decision, "winners": tiers[0], "ranking": tiers}


def equal_shares(ballots, projects, budget):
    """Method of Equal Shares, approval utilities, add1 completion, then a greedy pass."""
    ids = [p for p, _ in projects]
    cost = dict(projects)
    voters = [set(b) for b in ballots if b != "blank" and b]
    w = len(voters)
    approvals = {p: sum(1 for v in voters if p in v) for p in ids}

    def run(total):
        share = [Fraction(total, w)] * w
        funded = []
        while True:
            best = None
            for p in ids:
                if p in funded or approvals[p] == 0:
                    continue
                supp = [i for i, v in enumerate(voters) if p in v]
                if sum(share[i] for i in supp) < cost[p]:
                    continue
                # Smallest rho with sum(min(share, rho)) == cost.
                paid, payers = Fraction(0), len(supp)
                for s in sorted(share[i] for i in supp):
                    rho = (cost[p] - paid) / payers
                    if s < rho:
                        paid += s
                        payers -= 1
                    else:
                        break
                rho = (cost[p] - paid) / payers
                key = (rho, -approvals[p], cost[p], ids.index(p))
                if best is None or key < best[0]:
                    best = (key, p, rho, supp)
            if best is None:
                return funded
            _, p, rho, supp = best
            for i in supp:
                share[i] = share[i] - min(share[i], rho)
            funded.append(p)

    def spent(funded):
        return sum(cost[p] for p in funded)

    def exhaustive(funded):
        return not any(approvals[p] > 0 and p not in funded and spent(funded) + cost[p] <= budget
                       for p in ids)

    step = max(1, budget // (100 * w))
    before = run(budget)
    kept, k = before, 0
    while k < 200 and not exhaustive(kept):
        nxt = run(budget + (k + 1) * step * w)
        if spent(nxt) > budget:
            break
        kept, k = nxt, k + 1
    funded = list(kept)
    greedy = sorted([p for p in ids if approvals[p] > 0],
                    key=lambda p: (-approvals[p], cost[p], ids.index(p)))
    for p in greedy:
        if p not in funded and spent(funded) + cost[p] <= budget:
            funded.append(p)
    return {"ballots": len(ballots), "decision": "decided", "funded": funded}


# --- The deck -------------------------------------------------------------------------------

def toml_value(v):
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def main():
    members, organisers = read_badges(sys.argv[1])
    event = read_event()
    polls = {p["id"]: p for p in event["poll"]}
    rng = random.Random(SEED)
    # Every voter in person, then each holder once more for the member they represent.
    voters = [(v, None) for v in range(1, VOTERS + 1)]
    voters += [(holder, k + 1) for k, (_, holder) in enumerate(PROXIES)]

    # Motions: fixed splits, shuffled over the voters, chosen to sit on the rules' edges.
    charte = ["for"] * 34 + ["against"] * 15 + ["abstain"] * 8 + ["blank"] * 5
    statuts = ["for"] * 38 + ["against"] * 19 + ["abstain"] * 5  # exactly two thirds of 57
    rng.shuffle(charte)
    rng.shuffle(statuts)

    lieu_opts = [o["id"] for o in polls["lieu"]["options"]]
    anim_opts = [o["id"] for o in polls["animation-energie"]["options"]]
    prio = [c["id"] for c in polls["priorites"]["candidates"]]
    ateliers = [c["id"] for c in polls["ateliers"]["candidates"]]
    projects = [(p["id"], p["cost"]) for p in polls["budget"]["projects"]]
    mentions = ["À rejeter", "Insuffisant", "Passable", "Assez bien", "Bien", "Très bien",
                "Excellent"]
    # Each priority has its own leaning, so that the ranking is meaningful.
    lean = {c: rng.randint(1, 5) for c in prio}
    appeal = {p: rng.uniform(0.25, 0.7) for p, _ in projects}
    taste = [rng.random() for _ in ateliers]

    ballots = []
    for i, (v, proxy) in enumerate(voters):
        b = {"voter": v}
        if proxy is not None:
            b["proxy"] = proxy
        b["charte"] = charte[i]
        b["statuts"] = statuts[i]
        b["lieu"] = "blank" if rng.random() < 0.08 else rng.choices(lieu_opts, [5, 3, 2])[0]
        b["animation-energie"] = sorted(rng.sample(anim_opts, rng.randint(1, 3)),
                                        key=anim_opts.index)
        b["priorites"] = {c: max(0, min(6, lean[c] + rng.randint(-2, 2))) for c in prio}
        order = sorted(ateliers, key=lambda c: -(taste[ateliers.index(c)] + rng.random()))
        b["ateliers"] = order[:rng.randint(1, len(ateliers))]
        chosen = [p for p, _ in projects if rng.random() < appeal[p]]
        # A voter's own approvals stay within the budget, as the ballot screen enforces.
        total, fitting = 0, []
        for p in chosen:
            c = dict(projects)[p]
            if total + c <= polls["budget"]["budget"]:
                fitting.append(p)
                total += c
        b["budget"] = fitting if fitting else "blank"
        ballots.append(b)

    expected = {
        "charte": motion([b["charte"] for b in ballots], more_than=Fraction(1, 2)),
        "statuts": motion([b["statuts"] for b in ballots], at_least=Fraction(2, 3)),
        "lieu": counts([b["lieu"] for b in ballots], lieu_opts, lambda x: [x]),
        "animation-energie": counts([b["animation-energie"] for b in ballots], anim_opts,
                                    lambda x: x),
        "priorites": majority_judgment([b["priorites"] for b in ballots], prio),
        "ateliers": schulze([b["ateliers"] for b in ballots], ateliers),
        "budget": equal_shares([b["budget"] for b in ballots], projects,
                               polls["budget"]["budget"]),
    }

    out = []
    w = out.append
    w("# Test deck (essai à blanc) of the built-in demo assembly — generated by demo/make_deck.py;")
    w("# the expected results below were computed by that script's own, independent")
    w("# implementation of the counting rules, not by the kiosk.")
    w("#")
    w("# Run it: urne-kiosk test-deck demo/test-deck.toml --data <dir> --usb-dir <dir>")
    w("# Format: docs/formats.md, « Test decks ».")
    w("")
    w('title = "Assemblée populaire de Bellevue (démonstration)"')
    w('# "demo" is the built-in demo package; otherwise a .urnepkg path relative to this file.')
    w('package = "demo"')
    w("# The organiser badge and PIN that open and close the polls and export the results.")
    w(f"organiser-badge = {toml_value(organisers[0][1])}")
    w('pin = "123456"')
    w("")
    w(f"# Badges scanned at the door, in order ({CHECKINS} members of {MEMBERS}, and {len(PROXIES)} proxies:")
    w("# the quorum of one third, 50, is reached). Ballots name their voter by position in this")
    w("# list (1 = first); `proxy = k` casts the ballot for the member of the k-th proxy.")
    w("checkins = [")
    for name, payload in members[:CHECKINS]:
        w(f"  {toml_value(payload)},  # {name}")
    w("]")
    for absent, holder in PROXIES:
        w("")
        w("# An absent member's badge, read by the organiser, and the holder of the proxy.")
        w("[[proxy]]")
        w(f"absent = {toml_value(members[absent][1])}  # {members[absent][0]}")
        w(f"holder = {holder}  # {members[holder - 1][0]}")
    for b in ballots:
        w("")
        w("[[ballot]]")
        name = members[b["voter"] - 1][0]
        w(f"voter = {b['voter']}  # {name}")
        if "proxy" in b:
            absent = members[PROXIES[b["proxy"] - 1][0]][0]
            w(f"proxy = {b['proxy']}  # votes for {absent}")
        for key in ["charte", "statuts", "lieu", "animation-energie", "priorites", "ateliers",
                    "budget"]:
            value = b[key]
            if key == "priorites":
                value = {c: mentions[g] for c, g in value.items()}
            w(f"{key} = {toml_value(value)}")
    for poll, exp in expected.items():
        w("")
        w(f"[expected.{poll}]")
        for k, v in exp.items():
            w(f"{k} = {toml_value(v)}")
    print("\n".join(out))


if __name__ == "__main__":
    main()
