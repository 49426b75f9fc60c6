//! Every string of the screens goes through `@tr()` and has an English translation; the
//! language switch changes what is on screen.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use urne_kiosk::ui_testing::Harness;
use urne_kiosk::ui_testing::demo::Fixture;
use urne_kiosk::view::ViewOptions;

fn ui_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui")
}

fn slint_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            slint_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "slint") {
            out.push(path);
        }
    }
}

/// Reads a string literal starting at `s[0] == '"'`; returns its text and the rest.
fn literal(s: &str) -> Option<(String, &str)> {
    let mut chars = s.char_indices();
    if chars.next()?.1 != '"' {
        return None;
    }
    let mut text = String::new();
    let mut escaped = false;
    for (i, c) in chars {
        if escaped {
            text.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            return Some((text, &s[i + 1..]));
        } else {
            text.push(c);
        }
    }
    None
}

/// The msgids of every `@tr("…")` (and the plural form of `@tr("…" | "…" % n)`).
fn tr_strings() -> Vec<(String, Option<String>)> {
    let mut files = Vec::new();
    slint_files(&ui_dir(), &mut files);
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("@tr(") {
            rest = &rest[at + 4..];
            let (msgid, after) = literal(rest.trim_start()).expect("@tr takes a string literal");
            let after = after.trim_start();
            let plural = after
                .strip_prefix('|')
                .and_then(|p| literal(p.trim_start()))
                .map(|(p, _)| p);
            out.push((msgid, plural));
        }
    }
    out
}

/// Reads a .po file: msgid → translations (one, or two for plurals).
fn catalogue(path: &Path) -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut map = BTreeMap::new();
    for block in text.split("\n\n") {
        let mut key: Option<String> = None;
        let mut current = String::new();
        let mut field = "";
        let mut fields: Vec<(String, String)> = Vec::new();
        for line in block.lines().map(str::trim) {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            if let Some((name, rest)) = line.split_once(' ')
                && !line.starts_with('"')
            {
                if !field.is_empty() {
                    fields.push((field.to_owned(), std::mem::take(&mut current)));
                }
                field = if name.starts_with("msgstr") {
                    "msgstr"
                } else {
                    name
                };
                current = literal(rest).map(|(t, _)| t).unwrap_or_default();
                if name == "msgid" {
                    key = None;
                }
            } else if let Some((more, _)) = literal(line) {
                current.push_str(&more);
            }
        }
        if !field.is_empty() {
            fields.push((field.to_owned(), current));
        }
        for (name, value) in &fields {
            if name == "msgid" {
                key = Some(value.clone());
            }
        }
        if let Some(k) = key.filter(|k| !k.is_empty()) {
            let strs = fields
                .iter()
                .filter(|(n, _)| n == "msgstr")
                .map(|(_, v)| v.clone())
                .collect();
            map.insert(k, strs);
        }
    }
    map
}

#[test]
fn every_screen_string_has_an_english_translation() {
    let strings = tr_strings();
    assert!(strings.len() > 50, "the screens' strings were found");
    let en = catalogue(&ui_dir().join("lang/en/LC_MESSAGES/urne-kiosk.po"));
    let mut missing = Vec::new();
    for (msgid, plural) in &strings {
        match en.get(msgid) {
            Some(strs) if !strs.is_empty() && strs.iter().all(|s| !s.is_empty()) => {
                if plural.is_some() {
                    assert_eq!(strs.len(), 2, "« {msgid} » needs its singular and plural");
                }
            }
            _ => missing.push(msgid.clone()),
        }
    }
    assert!(
        missing.is_empty(),
        "untranslated (run python3 ui/lang/update.py and fill in ui/lang/en): {missing:#?}"
    );
}

#[test]
fn no_visible_text_bypasses_tr() {
    // A `text:` bound to a bare string literal would not be translated. Symbols (digits, ⌫, ✔, ⇧,
    // the space bar, A+, ◐, −, +, ✕, FR/EN) are the only literals allowed on screen; each of their buttons
    // carries a translated accessible label instead.
    let allowed = [
        "FR",
        "EN",
        "⌫",
        "✔",
        "0",
        "\\u{2714}",
        "⇧",
        " ",
        "A+",
        "◐",
        "−",
        "+",
        "✕",
        "Français",
        "English",
    ];
    let mut files = Vec::new();
    slint_files(&ui_dir(), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for line in text.lines() {
            let line = line.trim();
            for prefix in ["text: \"", "accessible-label: \"", "title: \""] {
                if let Some(rest) = line.strip_prefix(&prefix[..prefix.len() - 1])
                    && let Some((literal, _)) = literal(rest)
                    && !allowed.contains(&literal.as_str())
                    && prefix != "title: \""
                {
                    panic!("{}: « {line} » is not translated", file.display());
                }
            }
        }
    }
}

#[test]
fn the_voter_can_switch_the_idle_screen_to_english_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let kiosk = Fixture::new(dir.path()).seed(2).demo().build();
    let h = Harness::new(kiosk, ViewOptions::default(), 1024, 600);
    assert!(h.wait_for("Scannez votre badge", Duration::from_secs(5)));
    h.tap("English");
    assert!(h.shows("Scan your badge"));
    assert!(!h.shows("Scannez votre badge"));
    h.tap("Français");
    assert!(h.shows("Scannez votre badge"));
    h.shutdown();
}

/// The variants of a Slint `export enum`, as written in its file.
fn slint_enum(file: &str, name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(ui_dir().join(file)).unwrap();
    let start = text
        .find(&format!("export enum {name} {{"))
        .expect("the enum is declared");
    let body = &text[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find('}').unwrap()];
    body.split(',')
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect()
}

/// `PackageNotAPackage` as Slint spells it: `package-not-a-package`.
fn kebab(camel: &str) -> String {
    let mut out = String::new();
    for c in camel.chars() {
        if c.is_uppercase() && !out.is_empty() {
            out.push('-');
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[test]
fn every_problem_has_a_sentence_of_its_own() {
    use slint::ComponentHandle;
    use urne_kiosk::generated::{Problem, Texts};
    // Every variant of the Slint enum (the listing below is checked against its declaration).
    let problems = [
        Problem::None,
        Problem::StorageFull,
        Problem::StorageReadOnly,
        Problem::StorageLocked,
        Problem::StorageDamaged,
        Problem::StorageFailed,
        Problem::KeyUnavailable,
        Problem::NoEvent,
        Problem::Locked,
        Problem::UnknownPoll,
        Problem::PollNotOpen,
        Problem::AlreadyVoted,
        Problem::NotPresent,
        Problem::NoProxy,
        Problem::InvalidBallot,
        Problem::InvalidPoll,
        Problem::NotOnRoster,
        Problem::UndoVoted,
        Problem::MissingName,
        Problem::ClockUnconfirmed,
        Problem::AlreadyProvisioned,
        Problem::SetupFirst,
        Problem::SealFailed,
        Problem::Unverifiable,
        Problem::BoxRefused,
        Problem::SmallPoll,
        Problem::VisitsUnderWay,
        Problem::PairingGone,
        Problem::HallUnreachable,
        Problem::HallNotAdmitted,
        Problem::HallVisitEnded,
        Problem::HallLeadStorage,
        Problem::HallRefused,
        Problem::HallIsMember,
        Problem::HallIsLead,
        Problem::HallOnLead,
        Problem::ShareNotAShare,
        Problem::ShareMistyped,
        Problem::ShareOtherEvent,
        Problem::ShareUnknown,
        Problem::ShareDuplicate,
        Problem::ShareMismatch,
        Problem::PinResetNotAnOrder,
        Problem::PinResetBadSignature,
        Problem::PinResetNotTheOrganiser,
        Problem::PinResetOtherKiosk,
        Problem::PinResetUsed,
        Problem::PinResetNoOrganiser,
        Problem::PackageNotAPackage,
        Problem::PackageUnsigned,
        Problem::PackageBadSignature,
        Problem::PackageAltered,
        Problem::PackageInvalid,
        Problem::PackageUnreadable,
        Problem::PackageForeign,
        Problem::PackageTooLate,
        Problem::PackageOtherEvent,
        Problem::PackageChanged,
        Problem::PackageNotShown,
        Problem::PackageUnsealed,
        Problem::ProxySelf,
        Problem::ProxyGiverPresent,
        Problem::ProxyHolderAbsent,
        Problem::ProxyHolderFull,
        Problem::ProxyAlready,
        Problem::ProxyChain,
        Problem::ProxyNone,
        Problem::ProxyFrozen,
        Problem::SettingLanguage,
        Problem::SettingTimeout,
        Problem::SettingRegistryScheme,
        Problem::SettingRegistryHost,
        Problem::SettingRegistryKey,
        Problem::RegistryCard,
        Problem::SettingClock,
        Problem::SettingPin,
        Problem::UsbAbsent,
        Problem::UsbFull,
        Problem::UsbReadOnly,
        Problem::UsbRefused,
        Problem::UsbCorrupted,
        Problem::UsbFailed,
    ];
    let declared = slint_enum("adapters/types.slint", "Problem");
    let listed: Vec<String> = problems.iter().map(|p| kebab(&format!("{p:?}"))).collect();
    assert_eq!(
        listed, declared,
        "the test lists every problem the screens know"
    );
    let dir = tempfile::tempdir().unwrap();
    let kiosk = Fixture::new(dir.path()).seed(2).build();
    let h = Harness::new(kiosk, ViewOptions::default(), 1024, 600);
    let texts = h.window.global::<Texts>();
    assert_eq!(texts.invoke_problem(Problem::None), "");
    let mut seen = BTreeMap::new();
    for p in &problems[1..] {
        let sentence = texts.invoke_problem(*p).to_string();
        assert!(!sentence.is_empty(), "{p:?} has no sentence");
        if let Some(other) = seen.insert(sentence.clone(), *p) {
            panic!("{p:?} and {other:?} say the same: « {sentence} »");
        }
    }
    h.shutdown();
}
