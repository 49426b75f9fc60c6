//! Ids made from labels: lowercase ASCII with French accents folded, as an event package carries
//! its option ids. One transliteration for the organiser's event files and roster headers, the
//! kiosk's editor and the badge pictures' file names.

use urne_core::ids::OptionId;

/// Derives an option id from a label: lowercase ASCII, accents removed, other characters
/// turned into dashes, at most 32 characters.
pub fn slugify(label: &str) -> String {
    let mut out = String::new();
    for c in label.chars().flat_map(char::to_lowercase) {
        let folded = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => "a",
            'ç' => "c",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'î' | 'ï' | 'í' | 'ì' => "i",
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => "o",
            'ù' | 'û' | 'ü' | 'ú' => "u",
            'ÿ' | 'ý' => "y",
            'ñ' => "n",
            'œ' => "oe",
            'æ' => "ae",
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => "-",
        };
        out.push_str(folded);
    }
    let mut slug = String::new();
    for part in out.split('-').filter(|p| !p.is_empty()) {
        let extra = if slug.is_empty() { 0 } else { 1 };
        if slug.len() + extra + part.len() > OptionId::MAX_LEN {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(part);
    }
    if slug.is_empty() {
        "option".to_owned()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_fold_french_accents() {
        assert_eq!(
            slugify("Salle des fêtes de la Bourderie"),
            "salle-des-fetes-de-la-bourderie"
        );
        assert_eq!(slugify("L'énergie"), "l-energie");
        assert_eq!(
            slugify("Vélorution : atelier de réparation"),
            "velorution-atelier-de-reparation"
        );
        assert!(slugify(&"très long libellé ".repeat(10)).len() <= 32);
    }
}
