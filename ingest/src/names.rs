//! Municipality names as national reports print them → SCB municipality codes.

use std::collections::{BTreeMap, BTreeSet};

/// Trailing words that follow a municipality's name in official and report usage
/// ("Askersunds kommun", "Malmö stad", "Göteborgs Stad").
const TRAILING_WORDS: [&str; 4] = ["kommun", "kommuns", "stad", "stads"];

/// Prefix used by the one municipality that is also a region: Gotland's
/// municipality is named "Gotland" but calls itself "Region Gotland".
const REGION_PREFIX: &str = "region ";

/// Official municipality names whose genitive is not simply name + "s".
///
/// Checked against all 290 official names ("<genitive> kommun", "<name> stad",
/// "Region Gotland"): the only irregular one is Falun, whose official name is
/// "Falu kommun". Names ending in a vowel ("Mora kommun", "Gävle kommun",
/// "Säffle kommun") and in s/x/z ("Tranås kommun", "Kalix kommun") use the bare
/// name, which matches anyway.
const IRREGULAR_GENITIVES: [(&str, &str); 1] = [("falun", "falu")];

/// Finds a municipality from its SCB code ("1280") or its name as national
/// reports print it ("Malmö", "Malmö stad", "Askersunds kommun", "Region Gotland").
#[derive(Debug, Clone, Default)]
pub struct MunicipalityIndex {
    names_by_code: BTreeMap<String, String>,
    codes_by_name: BTreeMap<String, BTreeSet<String>>,
    codes_by_genitive: BTreeMap<String, BTreeSet<String>>,
}

/// Why a cell does not identify exactly one municipality.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("no municipality given")]
    Missing,
    #[error("\"{given}\" is not a known municipality code or name")]
    Unknown { given: String },
    #[error("\"{given}\" could be any of the municipalities {}", codes.join(", "))]
    Ambiguous { given: String, codes: Vec<String> },
}

impl MunicipalityIndex {
    /// Builds the index from `(code, name)` pairs, e.g. `("1280", "Malmö")`.
    pub fn new<I: IntoIterator<Item = (String, String)>>(code_and_name: I) -> Self {
        let mut index = Self::default();
        for (code, name) in code_and_name {
            let code = code.trim().to_string();
            let key = normalise(&name);
            let mut genitives = vec![format!("{key}s")];
            genitives.extend(IRREGULAR_GENITIVES.iter().filter(|(official, _)| *official == key).map(|(_, genitive)| genitive.to_string()));
            for genitive in genitives {
                index.codes_by_genitive.entry(genitive).or_default().insert(code.clone());
            }
            index.codes_by_name.entry(key).or_default().insert(code.clone());
            index.names_by_code.insert(code, name.trim().to_string());
        }
        index
    }

    /// Number of municipalities (distinct codes).
    pub fn len(&self) -> usize {
        self.names_by_code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names_by_code.is_empty()
    }

    /// The name a code was registered with.
    pub fn name(&self, code: &str) -> Option<&str> {
        self.names_by_code.get(code).map(String::as_str)
    }

    /// Returns the SCB code of the municipality `raw` refers to.
    ///
    /// * Four digits are a code and must exist. Three digits are a code whose
    ///   leading zero Excel dropped by treating the cell as a number ("114" is
    ///   Upplands Väsby, 0114).
    /// * Otherwise the text is trimmed, inner whitespace collapsed and lowercased;
    ///   one trailing "kommun"/"kommuns"/"stad"/"stads" and a leading "region " are
    ///   removed. The result is matched against each name, and failing that against
    ///   each name's genitive (name + "s", plus "Falu" for Falun). An exact name wins
    ///   over a genitive, so a name ending in "s" is not confused with another
    ///   name without it. Several matches in the same tier are ambiguous.
    pub fn resolve(&self, raw: &str) -> Result<String, ResolveError> {
        let given = raw.trim();
        if given.is_empty() {
            return Err(ResolveError::Missing);
        }
        let unknown = || ResolveError::Unknown { given: given.to_string() };
        if let Some(code) = as_code(given) {
            return match self.names_by_code.contains_key(&code) {
                true => Ok(code),
                false => Err(unknown()),
            };
        }
        let text = normalise(given);
        let bare = strip_decorations(&text);
        let matched =
            [self.codes_by_name.get(&text), self.codes_by_name.get(bare), self.codes_by_genitive.get(bare)].into_iter().flatten().next().ok_or_else(unknown)?;
        let mut codes = matched.iter();
        match (codes.next(), codes.next()) {
            (Some(code), None) => Ok(code.clone()),
            _ => Err(ResolveError::Ambiguous {
                given: given.to_string(),
                codes: matched.iter().cloned().collect(), // BTreeSet: already sorted
            }),
        }
    }
}

/// A code as written, or with the leading zero Excel drops from numeric cells.
fn as_code(text: &str) -> Option<String> {
    if !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    match text.len() {
        4 => Some(text.to_string()),
        3 => Some(format!("0{text}")),
        _ => None,
    }
}

/// Trims, collapses whitespace (including no-break spaces), lowercases, and
/// composes å, ä, ö, é, ü written as a letter plus a combining mark (as text
/// copied from macOS or some PDFs is).
fn normalise(text: &str) -> String {
    let lowered = text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let mut composed = String::with_capacity(lowered.len());
    let mut chars = lowered.chars().peekable();
    while let Some(c) = chars.next() {
        let combined = chars.peek().and_then(|&mark| compose(c, mark));
        match combined {
            Some(letter) => {
                composed.push(letter);
                chars.next();
            }
            None => composed.push(c),
        }
    }
    composed
}

fn compose(letter: char, mark: char) -> Option<char> {
    match (letter, mark) {
        ('a', '\u{30a}') => Some('å'),
        ('a', '\u{308}') => Some('ä'),
        ('o', '\u{308}') => Some('ö'),
        ('u', '\u{308}') => Some('ü'),
        ('e', '\u{301}') => Some('é'),
        _ => None,
    }
}

/// Removes one trailing "kommun"-like word and a leading "region ".
fn strip_decorations(text: &str) -> &str {
    let mut bare = text;
    if let Some((head, last)) = bare.rsplit_once(' ') {
        if TRAILING_WORDS.contains(&last) {
            bare = head;
        }
    }
    if let Some(rest) = bare.strip_prefix(REGION_PREFIX) {
        bare = rest;
    }
    bare
}

#[cfg(test)]
#[path = "names_tests.rs"]
mod tests;
