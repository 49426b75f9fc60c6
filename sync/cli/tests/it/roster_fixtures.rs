//! Rosters as spreadsheets really export them (`../shared/fixtures/roster-*.csv`, beside the
//! repository): encodings, separators, member counts, accents, and the messy file's rejected
//! lines by number and reason; then `urne package` and `urne keygen` through the real binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use urne_organiser::roster_csv::{self, RosterImport, RowError, RowProblem};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

fn fixture(name: &str) -> PathBuf {
    let path = fixtures().join(name);
    assert!(
        path.exists(),
        "{} is missing: the shared fixtures live beside the repository (../shared)",
        path.display()
    );
    path
}

fn import(name: &str) -> RosterImport {
    let bytes = std::fs::read(fixture(name)).unwrap();
    roster_csv::read(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The accepted row of `last` `first`, or a panic naming the file.
fn row<'a>(import: &'a RosterImport, last: &str, first: &str) -> &'a roster_csv::RosterRow {
    import
        .rows
        .iter()
        .find(|r| r.last_name == last && r.first_name == first)
        .unwrap_or_else(|| panic!("{first} {last} was not imported"))
}

#[test]
fn utf8_with_bom_and_semicolons() {
    let import = import("roster-utf8.csv");
    assert_eq!(import.encoding, "UTF-8");
    assert_eq!(import.delimiter, ';');
    assert_eq!(import.errors, []);
    assert_eq!(import.rows.len(), 150);
    // The byte-order mark does not stick to the first header, so the first row is read.
    let agnes = &import.rows[0];
    assert_eq!((agnes.line, agnes.last_name.as_str()), (2, "Lemaître"));
    assert_eq!(agnes.first_name, "Agnès");
    assert_eq!(agnes.email.as_deref(), Some("agnes.lemaitre@example.org"));
    assert_eq!(agnes.group.as_deref(), Some("ConvergenceS 44"));
    assert_eq!(row(&import, "André", "Benoît").line, 3);
    assert_eq!(
        row(&import, "Lemaître", "Rozenn").group.as_deref(),
        Some("Syndicat des habitant·es")
    );
    // An empty e-mail is no e-mail, not a bad one.
    assert_eq!(row(&import, "Simon", "Benoît").email, None);
    let last = import.rows.last().unwrap();
    assert_eq!((last.line, last.first_name.as_str()), (151, "Hélène"));
}

#[test]
fn excel_windows_1252_with_crlf() {
    let import = import("roster-excel-cp1252.csv");
    assert_eq!(import.encoding, "Windows-1252");
    assert_eq!(import.delimiter, ';');
    assert_eq!(import.errors, []);
    assert_eq!(import.rows.len(), 120);
    assert_eq!(import.rows[0].last_name, "Lemaître");
    assert_eq!(import.rows[0].first_name, "Agnès");
    assert_eq!(row(&import, "André", "Benoît").line, 3);
    assert_eq!(
        row(&import, "Lemaître", "Bérénice").group.as_deref(),
        Some("Centre social Pierre Legendre")
    );
    // 0xB7 is the middle dot of inclusive French in Windows-1252.
    assert_eq!(
        row(&import, "Lemaître", "Rozenn").group.as_deref(),
        Some("Syndicat des habitant·es")
    );
    // CRLF line ends leave no carriage return in the last column.
    assert!(
        import
            .rows
            .iter()
            .all(|r| !r.group.as_deref().unwrap_or("").contains('\r'))
    );
    let last = import.rows.last().unwrap();
    assert_eq!(
        (last.line, last.last_name.as_str(), last.group.as_deref()),
        (121, "Dubois", Some("Habitant·e"))
    );
}

#[test]
fn english_headers_commas_and_quotes() {
    let import = import("roster-en-comma.csv");
    assert_eq!(import.encoding, "UTF-8");
    assert_eq!(import.delimiter, ',');
    assert_eq!(import.errors, []);
    assert_eq!(import.rows.len(), 40);
    assert_eq!(row(&import, "André", "Benoît").line, 3);
    assert_eq!(row(&import, "Lemaître", "Agnès").line, 2);
    // Quoted empty fields are empty.
    assert_eq!(row(&import, "Mercier", "Isabelle").email, None);
    assert_eq!(row(&import, "Dubois", "Gaël").group, None);
    let last = import.rows.last().unwrap();
    assert_eq!((last.line, last.first_name.as_str()), (41, "Gisèle"));
}

#[test]
fn the_messy_roster_names_each_bad_line_and_why() {
    let import = import("roster-messy.csv");
    assert_eq!(import.encoding, "UTF-8");
    assert_eq!(import.delimiter, ';');
    assert_eq!(
        import.errors,
        [
            RowError {
                line: 4,
                problem: RowProblem::Duplicate { first_line: 3 }
            },
            RowError {
                line: 5,
                problem: RowProblem::MissingLastName
            },
            RowError {
                line: 6,
                problem: RowProblem::BadEmail("pas-une-adresse".into())
            },
            RowError {
                line: 9,
                problem: RowProblem::TooManyFields {
                    found: 5,
                    expected: 4
                }
            },
            RowError {
                line: 10,
                problem: RowProblem::TooFewFields {
                    found: 1,
                    expected: 4
                }
            },
        ]
    );
    let lines: Vec<u64> = import.rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 3, 7, 8]);
    // A separator inside quotes is part of the field.
    let lea = row(&import, "Durand", "Léa");
    assert_eq!(lea.group.as_deref(), Some("Centre social; annexe"));
    // Doubled quotes inside quotes are one quote; an empty last field is no collective.
    let theo = row(&import, "Moreau", "Théo \"Tom\"");
    assert_eq!(theo.email.as_deref(), Some("theo@example.org"));
    assert_eq!(theo.group, None);
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn urne(args: &[&str], paths: &[&Path]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_urne"));
    cmd.args(args)
        .args(paths)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES");
    let out = cmd.output().expect("urne runs");
    Run {
        code: out.status.code().expect("an exit code"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// `urne [--lang L] package --event demo.toml --roster <messy> --key K --out P [extra]`.
fn package(dir: &Path, lang: Option<&str>, extra: &[&str]) -> (Run, PathBuf) {
    let key = dir.join("organiser.key");
    if !key.exists() {
        assert_eq!(urne(&["keygen", "--out"], &[&key]).code, 0);
    }
    let out = dir.join("messy.urnepkg");
    let event = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/assemblee-demo.toml");
    let roster = fixture("roster-messy.csv");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_urne"));
    if let Some(lang) = lang {
        cmd.args(["--lang", lang]);
    }
    cmd.arg("package")
        .arg("--event")
        .arg(&event)
        .arg("--roster")
        .arg(&roster)
        .arg("--key")
        .arg(&key)
        .arg("--out")
        .arg(&out)
        .args(extra)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES");
    let o = cmd.output().expect("urne runs");
    let run = Run {
        code: o.status.code().expect("an exit code"),
        stdout: String::from_utf8(o.stdout).unwrap(),
        stderr: String::from_utf8(o.stderr).unwrap(),
    };
    (run, out)
}

#[test]
fn urne_package_refuses_the_messy_roster_line_by_line_in_french_and_english() {
    let dir = tempfile::tempdir().unwrap();

    let (fr, out) = package(dir.path(), None, &[]);
    assert_eq!(fr.code, 2, "{}", fr.stderr);
    assert!(!out.exists(), "no package is written");
    let expected_fr = [
        "ligne 4 : doublon de la ligne 3",
        "ligne 5 : le nom est vide",
        "ligne 6 : « pas-une-adresse » n'est pas une adresse électronique",
        "ligne 9 : 5 colonnes au lieu de 4",
        "ligne 10 : 1 colonne(s) au lieu de 4",
        "Rien n'a été importé.",
    ];
    for text in expected_fr {
        assert!(fr.stderr.contains(text), "« {text} » in:\n{}", fr.stderr);
    }
    assert!(!fr.stderr.contains("ligne 7") && !fr.stderr.contains("ligne 8"));

    let (en, out) = package(dir.path(), Some("en"), &[]);
    assert_eq!(en.code, 2, "{}", en.stderr);
    assert!(!out.exists(), "no package is written");
    let expected_en = [
        "line 4: duplicate of line 3",
        "line 5: the family name is empty",
        "line 6: « pas-une-adresse » is not an e-mail address",
        "line 9: 5 columns instead of 4",
        "line 10: 1 column(s) instead of 4",
        "Nothing was imported.",
    ];
    for text in expected_en {
        assert!(en.stderr.contains(text), "« {text} » in:\n{}", en.stderr);
    }
    // Nothing but the key is in the folder: no temporary file left behind either.
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1);
}

#[test]
fn urne_package_skips_the_bad_lines_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let (run, out) = package(dir.path(), Some("en"), &["--skip-bad-lines"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The skipped lines are still listed.
    assert!(
        run.stderr.contains("line 4: duplicate of line 3"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("4 members"), "{}", run.stdout);
    let bytes = std::fs::read(&out).expect("the package is written");
    let package = urne_codec::package::read(&bytes, None).expect("a valid package");
    let names: Vec<String> = package
        .package
        .roster
        .members
        .iter()
        .map(urne_core::event::Member::display_name)
        .collect();
    assert_eq!(
        names,
        [
            "Agnès Lemaître",
            "Benoît André",
            "Léa Durand",
            "Théo \"Tom\" Moreau"
        ]
    );
}

#[test]
fn urne_keygen_writes_a_private_key_and_never_overwrites_one() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("organiser.key");
    let first = urne(&["keygen", "--out"], &[&key]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    // It prints the fingerprint: 64 hexadecimal digits.
    let fingerprint = first.stdout.trim();
    assert_eq!(fingerprint.len(), 64, "{fingerprint}");
    assert!(fingerprint.chars().all(|c| c.is_ascii_hexdigit()));
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let pem = std::fs::read_to_string(&key).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{pem}");

    let second = urne(&["keygen", "--out"], &[&key]);
    assert_ne!(second.code, 0);
    assert!(
        second.stderr.contains("refusing to overwrite"),
        "{}",
        second.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&key).unwrap(),
        pem,
        "the key is untouched"
    );
}
