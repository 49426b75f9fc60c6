//! How figures are written for people, in one place: whole numbers, euros and percentages, in
//! French and English.
//!
//! Every figure is computed on integers, rounded half up, so that the kiosk's screen, the
//! registry's pages and the procès-verbal print the same digits. French typography separates
//! groups of three digits with a narrow no-break space (U+202F) and puts one before « % »; the
//! euro sign follows the amount after a no-break space (U+00A0): « 15 000 € », « 63,8 % ».
//! English writes « 15,000 », « €15,000 » and « 63.8% ».

use crate::lang::Lang;

/// Narrow no-break space: between groups of digits and before « % » in French.
const NARROW: char = '\u{202F}';
/// No-break space: between an amount and « € » in French.
const NO_BREAK: char = '\u{00A0}';

/// A whole number with its groups of three digits: « 20 000 » (narrow no-break spaces) in
/// French, « 20,000 » in English.
pub fn number(n: u64, lang: Lang) -> String {
    let digits = n.to_string();
    let separator = match lang {
        Lang::Fr => NARROW,
        Lang::En => ',',
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// An amount in whole euros: « 15 000 € » in French (the kiosk's look), « €15,000 » in English.
pub fn euros(amount: u64, lang: Lang) -> String {
    match lang {
        Lang::Fr => format!("{}{NO_BREAK}€", number(amount, lang)),
        Lang::En => format!("€{}", number(amount, lang)),
    }
}

/// `part / whole` in tenths of a percent, rounded half up; `None` when `whole` is zero.
pub fn tenths_of_percent(part: u64, whole: u64) -> Option<u128> {
    rounded(part, whole, 1000)
}

/// `part / whole` in whole percent, rounded half up; `None` when `whole` is zero.
pub fn whole_percent_of(part: u64, whole: u64) -> Option<u128> {
    rounded(part, whole, 100)
}

/// `part × unit / whole`, rounded half up, on integers.
fn rounded(part: u64, whole: u64, unit: u128) -> Option<u128> {
    (whole != 0).then(|| (u128::from(part) * unit + u128::from(whole) / 2) / u128::from(whole))
}

/// `part` of `whole` as a percentage with one decimal: « 63,8 % » in French, « 63.8% » in
/// English; empty when `whole` is zero (there is no share of nothing).
pub fn percent(part: u64, whole: u64, lang: Lang) -> String {
    let Some(tenths) = tenths_of_percent(part, whole) else {
        return String::new();
    };
    let (units, decimal) = (tenths / 10, tenths % 10);
    match lang {
        Lang::Fr => format!("{units},{decimal}{NARROW}%"),
        Lang::En => format!("{units}.{decimal}%"),
    }
}

/// `part` of `whole` as a whole percentage, for the narrow segments of a merit profile:
/// « 12 % » in French, « 12% » in English; empty when `whole` is zero.
pub fn whole_percent(part: u64, whole: u64, lang: Lang) -> String {
    let Some(p) = whole_percent_of(part, whole) else {
        return String::new();
    };
    match lang {
        Lang::Fr => format!("{p}{NARROW}%"),
        Lang::En => format!("{p}%"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_group_their_digits_by_three() {
        assert_eq!(number(0, Lang::Fr), "0");
        assert_eq!(number(999, Lang::Fr), "999");
        assert_eq!(number(1200, Lang::Fr), "1\u{202F}200");
        assert_eq!(number(1_234_567, Lang::Fr), "1\u{202F}234\u{202F}567");
        assert_eq!(number(1_234_567, Lang::En), "1,234,567");
        assert_eq!(number(u64::MAX, Lang::En), "18,446,744,073,709,551,615");
    }

    #[test]
    fn euros_keep_the_kiosks_look_in_french() {
        assert_eq!(euros(15_000, Lang::Fr), "15\u{202F}000\u{00A0}€");
        assert_eq!(euros(800, Lang::Fr), "800\u{00A0}€");
        assert_eq!(euros(0, Lang::Fr), "0\u{00A0}€");
        assert_eq!(euros(15_000, Lang::En), "€15,000");
        assert_eq!(euros(800, Lang::En), "€800");
    }

    #[test]
    fn percents_round_half_up_on_integers() {
        assert_eq!(percent(30, 47, Lang::Fr), "63,8\u{202F}%");
        assert_eq!(percent(30, 47, Lang::En), "63.8%");
        assert_eq!(percent(24, 36, Lang::Fr), "66,7\u{202F}%");
        assert_eq!(percent(1, 3, Lang::Fr), "33,3\u{202F}%");
        assert_eq!(percent(1, 8, Lang::En), "12.5%");
        // 1/16 = 6.25 %: half up gives 6.3.
        assert_eq!(percent(1, 16, Lang::En), "6.3%");
        assert_eq!(percent(0, 5, Lang::Fr), "0,0\u{202F}%");
        assert_eq!(percent(5, 5, Lang::En), "100.0%");
        assert_eq!(percent(0, 0, Lang::En), "");
        assert_eq!(whole_percent(1, 8, Lang::Fr), "13\u{202F}%");
        assert_eq!(whole_percent(1, 3, Lang::En), "33%");
        assert_eq!(whole_percent(1, 0, Lang::En), "");
        assert_eq!(percent(u64::MAX, u64::MAX, Lang::En), "100.0%");
    }
}
