//! `urne tally` end to end: the real binary on the hand-made files of `tests/data/` (their
//! answers are worked out in `tests/data/README.md`), JSON and readable output, and every kind
//! of bad input refused with exit code 1, a message naming the line or ballot, and no result.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;
use urne_core::tally::PollResult;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `urne --lang <lang> tally <file> <extra…>`.
fn urne(lang: &str, file: &str, extra: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_urne"))
        .args(["--lang", lang, "tally"])
        .arg(data(file))
        .args(extra)
        .output()
        .expect("urne runs");
    Run {
        code: out.status.code().expect("urne exits with a code"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    }
}

/// The JSON printed for a file that must count.
fn counted(file: &str, extra: &[&str]) -> Value {
    let run = urne("en", file, extra);
    assert_eq!(run.code, 0, "{file}: {}", run.stderr);
    assert!(run.stderr.is_empty(), "{file}: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{file}: {e}\n{}", run.stdout))
}

fn ids(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("a list, not {value}"))
        .iter()
        .map(|v| v.as_str().expect("an id").to_owned())
        .collect()
}

fn tiers(value: &Value) -> Vec<Vec<String>> {
    value.as_array().expect("tiers").iter().map(ids).collect()
}

fn list(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn schulze_2011_example_from_a_preflib_soc_file() {
    let r = counted("schulze-2011.soc", &[]);
    assert_eq!(r["type"], "ranking");
    assert_eq!(r["ballots"], 8);
    assert_eq!(r["weight"], 45);
    assert_eq!(ids(&r["winners"]), list(&["a5"]));
    // E > A > C > B > D.
    assert_eq!(
        tiers(&r["ranking"]),
        vec![
            list(&["a5"]),
            list(&["a1"]),
            list(&["a3"]),
            list(&["a2"]),
            list(&["a4"])
        ]
    );
    // Schulze is what a ranking file is counted with: asking for it changes nothing.
    assert_eq!(counted("schulze-2011.soc", &["--method", "schulze"]), r);
}

#[test]
fn incomplete_orders_and_ties_from_preflib_files() {
    let soi = counted("incomplete.soi", &[]);
    assert_eq!(
        tiers(&soi["ranking"]),
        vec![list(&["a1"]), list(&["a2"]), list(&["a3"])]
    );
    let toi = counted("ties.toi", &[]);
    assert_eq!(ids(&toi["winners"]), list(&["a2"]));
    assert_eq!(
        tiers(&toi["ranking"]),
        vec![list(&["a2"]), list(&["a1"]), list(&["a3"]), list(&["a4"])]
    );
    assert_eq!(toi["details"]["schulze"]["condorcet_winner"], "a2");
    let toc = counted("tie-result.toc", &[]);
    assert_eq!(toc["decision"], "tie");
    assert_eq!(ids(&toc["winners"]), list(&["a1", "a2"]));
    assert_eq!(
        tiers(&toc["ranking"]),
        vec![list(&["a1", "a2"]), list(&["a3"])]
    );
}

#[test]
fn pabulib_budget_with_equal_shares_and_greedy() {
    // The file says equalshares/add1.
    let es = counted("quartier.pb", &[]);
    assert_eq!(es["type"], "budget");
    assert_eq!(ids(&es["funded"]), list(&["2", "3", "4"]));
    assert_eq!(ids(&es["winners"]), list(&["2", "3", "4"]));
    assert_eq!(ids(&es["funded_before_completion"]), list(&["2", "3"]));
    let budget = &es["details"]["budget"];
    assert_eq!(budget["method"], "equal-shares");
    assert_eq!(budget["spent"], 950);
    assert_eq!(budget["equal_shares"]["steps"], 66);
    assert_eq!(budget["equal_shares"]["virtual_budget"], 1660);
    assert_eq!(
        counted("quartier.pb", &["--method", "equal-shares"]),
        es,
        "asking for what the file says changes nothing"
    );

    let greedy = counted("quartier.pb", &["--method", "greedy"]);
    assert_eq!(ids(&greedy["funded"]), list(&["2", "1"]));
    assert_eq!(greedy["details"]["budget"]["spent"], 1000);
    assert!(greedy.get("funded_before_completion").is_none());

    // The weighted file says greedy, and gives the same results as the one-row-per-voter file.
    let weighted = counted("quartier-weighted.pb", &[]);
    assert_eq!(weighted["details"]["budget"]["method"], "greedy");
    assert_eq!(weighted["weight"], 10);
    assert_eq!(weighted["ballots"], 3);
    assert_eq!(ids(&weighted["funded"]), list(&["2", "1"]));
    let weighted_es = counted("quartier-weighted.pb", &["--method", "equal-shares"]);
    assert_eq!(weighted_es["funded"], es["funded"]);
    assert_eq!(
        weighted_es["funded_before_completion"],
        es["funded_before_completion"]
    );
}

#[test]
fn urne_json_files_of_every_kind() {
    let motion = counted("motion.json", &[]);
    assert_eq!(motion["decision"], "adopted");
    assert_eq!(ids(&motion["winners"]), list(&["for"]));
    assert_eq!(motion["details"]["motion"]["for"], 7);
    assert_eq!(motion["details"]["motion"]["required"], 6);
    assert!(motion.get("ranking").is_none() && motion.get("funded").is_none());

    let single = counted("single.json", &[]);
    assert_eq!(ids(&single["winners"]), list(&["salle"]));

    let approval = counted("approval.json", &["--method", "approval"]);
    assert_eq!(approval["decision"], "tie");
    assert_eq!(ids(&approval["winners"]), list(&["jeudi", "samedi"]));

    let mj = counted("majority-judgment.json", &[]);
    assert_eq!(ids(&mj["winners"]), list(&["yasmine"]));
    assert_eq!(
        tiers(&mj["ranking"]),
        vec![list(&["yasmine"]), list(&["xavier"]), list(&["zoe"])]
    );

    let ranking = counted("ranking.json", &[]);
    assert_eq!(ids(&ranking["winners"]), list(&["transports"]));
    assert_eq!(
        tiers(&ranking["ranking"]),
        vec![
            list(&["transports"]),
            list(&["logement", "culture"]),
            list(&["sante"])
        ]
    );
    assert_eq!(ranking["details"]["schulze"]["blank"], 1);

    let budget = counted("budget.json", &[]);
    assert_eq!(ids(&budget["funded"]), list(&["fontaine", "velo", "bancs"]));
    assert_eq!(
        ids(&budget["funded_before_completion"]),
        list(&["fontaine", "velo"])
    );
    let greedy = counted("budget.json", &["--method", "greedy"]);
    assert_eq!(ids(&greedy["funded"]), list(&["fontaine", "jardin"]));
}

#[test]
fn the_json_printed_is_the_engines_result_plus_funded_before_completion() {
    for file in [
        "budget.json",
        "motion.json",
        "majority-judgment.json",
        "quartier.pb",
        "schulze-2011.soc",
    ] {
        let mut printed = counted(file, &[]);
        let object = printed.as_object_mut().expect("an object");
        let before = object.remove("funded_before_completion");
        // PollResult refuses unknown fields: nothing else was added.
        let result: PollResult = serde_json::from_value(printed.clone())
            .unwrap_or_else(|e| panic!("{file}: not a PollResult: {e}"));
        let inner = serde_json::to_value(&result.details).unwrap();
        assert_eq!(
            before.as_ref(),
            inner
                .get("budget")
                .and_then(|b| b.get("funded_before_completion")),
            "{file}: the top-level copy is the engine's own"
        );
    }
}

#[test]
fn readable_reports_in_french_and_english() {
    let fr = urne("fr", "quartier.pb", &["--human"]);
    assert_eq!(fr.code, 0, "{}", fr.stderr);
    for needle in [
        "Scrutin : Budget participatif du quartier",
        "Méthode : equal-shares",
        "Bulletins : 10 · Poids total : 10",
        "Part initiale par unité de poids : 1000 / 10 = 100",
        "Parts égales seules : Fontaine, Atelier vélo",
        "Bancs : coût 150, approbations 1 — financé (glouton)",
        "Projets financés : Fontaine, Atelier vélo, Bancs.",
    ] {
        assert!(
            fr.stdout.contains(needle),
            "« {needle} » in:\n{}",
            fr.stdout
        );
    }
    let en = urne("en", "schulze-2011.soc", &["--human"]);
    assert_eq!(en.code, 0, "{}", en.stderr);
    for needle in [
        "Poll: Schulze 2011, example 1 (45 voters)",
        "Method: schulze",
        "Ballots: 8 · Total weight: 45",
        "Ranking:\n    1. E\n    2. A\n    3. C\n    4. B\n    5. D",
        "Result: E.",
    ] {
        assert!(
            en.stdout.contains(needle),
            "« {needle} » in:\n{}",
            en.stdout
        );
    }
    let motion = urne("fr", "motion.json", &["--human"]);
    assert!(
        motion.stdout.contains("Pour : 7 · Contre : 3"),
        "{}",
        motion.stdout
    );
    assert!(
        motion.stdout.ends_with("Décision : adoptée.\n"),
        "{}",
        motion.stdout
    );
}

/// Every bad file: exit code 1, nothing on stdout, and the place and reason on stderr.
#[test]
fn bad_input_is_refused_with_its_line_or_ballot() {
    let cases: &[(&str, &[&str])] = &[
        (
            "bad-unknown-option.json",
            &["ballot 3 (line 18)", "unknown option « piscine »"],
        ),
        (
            "bad-duplicate-rank.json",
            &["ballot 2 (line 16)", "« culture » is ranked more than once"],
        ),
        (
            "bad-grade-out-of-scale.json",
            &[
                "ballot 2 (line 17)",
                "grade 5 for « xavier » is outside the scale",
            ],
        ),
        (
            "bad-too-many-approvals.json",
            &[
                "ballot 4 (line 22)",
                "3 options approved, but the poll asks for 1 to 2",
            ],
        ),
        ("bad-syntax.json", &["line 14", "expected `,` or `]`"]),
        ("bad-members-majority.json", &["members of the roster"]),
        (
            "bad-duplicate-rank.soi",
            &["line 7", "alternative 2 is ranked more than once"],
        ),
        (
            "bad-count-overflow.soc",
            &["line 3", "the count 4294967296 is larger"],
        ),
        ("bad-tie-in-strict.soc", &["line 4", "strict orders"]),
        (
            "bad-unknown-alternative.toi",
            &["line 4", "no alternative 7"],
        ),
        ("bad-garbage.toi", &["line 4", "expected `count: order`"]),
        (
            "bad-too-many-approvals.pb",
            &["line 14", "3 projects approved, but the file allows 1 to 2"],
        ),
        (
            "bad-unknown-project.pb",
            &["line 13", "unknown project « 9 »"],
        ),
        ("bad-vote-type.pb", &["line 4", "vote_type « cumulative »"]),
        ("bad-fractional-cost.pb", &["line 8", "cost « 12.5 »"]),
        ("bad-missing-votes.pb", &["the VOTES section is missing"]),
        ("not-a-ballot-file.txt", &["cannot tell the format"]),
    ];
    for (file, needles) in cases {
        let run = urne("en", file, &[]);
        assert_eq!(run.code, 1, "{file}: exit code\n{}", run.stderr);
        assert!(
            run.stdout.is_empty(),
            "{file}: printed a result:\n{}",
            run.stdout
        );
        assert!(run.stderr.contains(file), "{file}: {}", run.stderr);
        for needle in *needles {
            assert!(
                run.stderr.contains(needle),
                "{file}: « {needle} » not in:\n{}",
                run.stderr
            );
        }
        assert!(
            run.stderr.contains("Nothing was counted."),
            "{}",
            run.stderr
        );
        // --human changes nothing about a refusal.
        let human = urne("en", file, &["--human"]);
        assert_eq!((human.code, human.stdout.as_str()), (1, ""), "{file}");
    }
}

#[test]
fn bad_input_is_reported_in_french() {
    let run = urne("fr", "bad-unknown-option.json", &[]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr
            .contains("bulletin 3 (ligne 18) : option inconnue « piscine »"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Rien n'a été compté."),
        "{}",
        run.stderr
    );
    let run = urne("fr", "bad-duplicate-rank.soi", &[]);
    assert!(
        run.stderr
            .contains("ligne 7 : l'alternative 2 est classée plusieurs fois"),
        "{}",
        run.stderr
    );
}

#[test]
fn methods_that_do_not_fit_the_file_are_usage_errors() {
    for (file, method, hint) in [
        ("schulze-2011.soc", "majority-judgment", "--method schulze"),
        ("ties.toi", "greedy", "--method schulze"),
        (
            "quartier.pb",
            "approval",
            "--method equal-shares or --method greedy",
        ),
        ("approval.json", "single", "--method approval"),
        (
            "majority-judgment.json",
            "schulze",
            "--method majority-judgment",
        ),
        ("motion.json", "equal-shares", "--method motion"),
    ] {
        let run = urne("en", file, &["--method", method]);
        assert_eq!(run.code, 2, "{file} --method {method}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{file}: {}", run.stdout);
        assert!(run.stderr.contains(hint), "{file}: {}", run.stderr);
    }
}

#[test]
fn missing_files_and_bad_arguments_are_usage_errors() {
    let run = urne("en", "no-such-file.json", &[]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);
    let run = urne("en", "motion.json", &["--method", "borda"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
}
