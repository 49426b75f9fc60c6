//! The passphrase of a kept tally key: asked on the terminal without echo (twice for a new one),
//! or read as one line from standard input when it is not a terminal (scripts, tests).

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, Result};
use urne_core::tally::Lang;
use urne_organiser::kept_key::MIN_PASSPHRASE;
use zeroize::Zeroizing;

/// A passphrase for a new kept key: typed twice on a terminal, and long enough. `None` (after
/// saying why) when the two differ or it is too short.
pub fn new(lang: Lang) -> Result<Option<Zeroizing<String>>> {
    let fr = lang == Lang::Fr;
    let first = ask(if fr {
        "Phrase secrète pour garder la clé de dépouillement : "
    } else {
        "Passphrase to keep the tally key: "
    })?;
    if first.chars().count() < MIN_PASSPHRASE {
        eprintln!(
            "{}",
            if fr {
                format!(
                    "Cette phrase secrète est trop courte : il faut au moins {MIN_PASSPHRASE} caractères (quatre mots, par exemple). Rien n'a été écrit."
                )
            } else {
                format!(
                    "This passphrase is too short: it needs at least {MIN_PASSPHRASE} characters (four words, say). Nothing was written."
                )
            }
        );
        return Ok(None);
    }
    if std::io::stdin().is_terminal() {
        let again = ask(if fr {
            "La même phrase, encore une fois : "
        } else {
            "The same passphrase again: "
        })?;
        if again != first {
            eprintln!(
                "{}",
                if fr {
                    "Les deux phrases diffèrent. Rien n'a été écrit : relancez la commande."
                } else {
                    "The two passphrases differ. Nothing was written: run the command again."
                }
            );
            return Ok(None);
        }
    }
    Ok(Some(first))
}

/// The passphrase of an existing kept key.
pub fn existing(lang: Lang) -> Result<Zeroizing<String>> {
    ask(if lang == Lang::Fr {
        "Phrase secrète de la clé de dépouillement : "
    } else {
        "Passphrase of the tally key: "
    })
}

fn ask(prompt: &str) -> Result<Zeroizing<String>> {
    if std::io::stdin().is_terminal() {
        return Ok(Zeroizing::new(
            rpassword::prompt_password(prompt).context("cannot read the passphrase")?,
        ));
    }
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the passphrase from standard input")?;
    let trimmed = Zeroizing::new(line.trim_end_matches(['\n', '\r']).to_string());
    Ok(trimmed)
}
