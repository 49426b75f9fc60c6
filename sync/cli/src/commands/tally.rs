//! `urne tally FILE [--method M] [--human]`: a ballot file (Urne JSON, PrefLib, pabulib) read by
//! urne-organiser, counted by urne-core's one tally engine, and printed as JSON or as a readable
//! report. The formats, the output and the exit codes are in `docs/formats-ballots.md`.

use std::path::Path;
use std::process::ExitCode;

use urne_core::ids::OptionId;
use urne_core::poll::Poll;
use urne_core::tally::{self, Lang, PollResult};
use urne_organiser::ballot_files::{self, FileError, Format, Method, Problem};

/// Prints what [`outcome`] says and exits with its code.
pub fn run(file: &Path, method: Option<Method>, human: bool, lang: Lang) -> ExitCode {
    let out = outcome(file, method, human, lang);
    print!("{}", out.stdout);
    eprint!("{}", out.stderr);
    ExitCode::from(out.code)
}

/// The readable report printed by `urne tally --human`: a header, the ranking when there is
/// one, and the engine's own arithmetic lines (the same as on the procès-verbal).
pub fn render_human(
    file: &Path,
    format: Format,
    poll: &Poll,
    result: &PollResult,
    lang: Lang,
) -> String {
    let fr = lang == Lang::Fr;
    let label = |id: &OptionId| poll.kind.label_of(id).unwrap_or(id.as_str()).to_owned();
    let method = Method::of(poll).name();
    let mut out = Vec::new();
    if fr {
        out.push(format!("Scrutin : {} ({})", poll.question, poll.id));
        out.push(format!("Fichier : {} — {}", file.display(), format.name()));
        out.push(format!("Méthode : {method}"));
        out.push(format!(
            "Bulletins : {} · Poids total : {}",
            result.ballots, result.weight
        ));
    } else {
        out.push(format!("Poll: {} ({})", poll.question, poll.id));
        out.push(format!("File: {} — {}", file.display(), format.name()));
        out.push(format!("Method: {method}"));
        out.push(format!(
            "Ballots: {} · Total weight: {}",
            result.ballots, result.weight
        ));
    }
    out.push(String::new());
    if let Some(ranking) = &result.ranking {
        out.push(if fr { "Classement :" } else { "Ranking:" }.to_owned());
        for (i, tier) in ranking.iter().enumerate() {
            let names: Vec<String> = tier.iter().map(label).collect();
            out.push(format!("  {:>3}. {}", i + 1, names.join(" = ")));
        }
        out.push(String::new());
    }
    out.extend(tally::arithmetic(poll, result, lang));
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// What `urne tally` writes and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyOutcome {
    /// The result (empty on any error).
    pub stdout: String,
    /// The error message, if any.
    pub stderr: String,
    /// 0: counted; 1: the file is unreadable or holds an invalid ballot; 2: usage or I/O.
    pub code: u8,
}

impl TallyOutcome {
    fn failed(code: u8, file: &Path, message: String, lang: Lang) -> Self {
        let nothing = match lang {
            Lang::Fr => "Rien n'a été compté.",
            Lang::En => "Nothing was counted.",
        };
        let sep = if lang == Lang::Fr { " :" } else { ":" };
        TallyOutcome {
            stdout: String::new(),
            stderr: format!(
                "urne tally{sep} {}{sep} {message}\n{nothing}\n",
                file.display()
            ),
            code,
        }
    }
}

/// `urne tally <file> [--method …] [--human]`: reads, checks and counts a ballot file.
pub fn outcome(file: &Path, method: Option<Method>, human: bool, lang: Lang) -> TallyOutcome {
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) => {
            let message = match lang {
                Lang::Fr => format!("lecture impossible ({e})"),
                Lang::En => format!("cannot read it ({e})"),
            };
            return TallyOutcome::failed(2, file, message, lang);
        }
    };
    let refused = |e: FileError| TallyOutcome::failed(1, file, e.message(lang), lang);
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return refused(FileError::File(Problem::NotText));
    };
    let Some(format) = Format::detect(file, text) else {
        return refused(FileError::File(Problem::UnknownFormat));
    };
    let (mut poll, ballots) = match format.parse(text) {
        Ok(parsed) => parsed,
        Err(e) => return refused(e),
    };
    if let Some(method) = method
        && let Err(e) = ballot_files::apply_method(&mut poll, method)
    {
        return TallyOutcome::failed(2, file, e.message(lang), lang);
    }
    let result = match ballot_files::count(&poll, &ballots) {
        Ok(result) => result,
        Err(e) => return refused(e),
    };
    TallyOutcome {
        stdout: if human {
            render_human(file, format, &poll, &result, lang)
        } else {
            ballot_files::render_json(&result)
        },
        stderr: String::new(),
        code: 0,
    }
}
