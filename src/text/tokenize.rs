//! Splitting a transcript into the tokens GloVe 6B has vectors for.
//!
//! GloVe 6B was trained on Wikipedia and Gigaword run through Stanford's
//! Penn-Treebank-style tokenizer, then lower-cased. To look words up we have
//! to cut text the same way:
//! - punctuation is its own token (`,` `.` `?` `!` `"` `(`);
//! - clitics are split off: `don't` → `do n't`, `can't` → `ca n't`,
//!   `won't` → `wo n't`, `it's` → `it 's`, `we're`, `i'll`, `you've`,
//!   `i'd`, `i'm` likewise;
//! - hyphenated words (`well-known`, `e-mail`, `50-50`) and numbers with
//!   separators (`1,000`, `3.5`, `2:30`, `9/11`) stay whole, as GloVe has
//!   them; [`split_compound`] gives the parts for compounds GloVe lacks
//!   (`you-you`), which the vocabulary falls back to;
//! - abbreviations keep their period (`mr.`, `u.s.`, `a.m.`);
//! - runs of dots become `...`, runs of dashes `--`, runs of `!`/`?` the
//!   forms GloVe knows (`!!`, `?!`, ...).
//!
//! Anything else that is neither a letter, a digit nor a space (emoji,
//! symbols) is a token of one character: it maps to the unknown vector, so
//! the model sees that something was there.

use super::normalize::normalize;

/// Words whose period belongs to them (GloVe has `mr.` but the sentence-final
/// `.` is its own token). Initialisms like `u.s.` are recognised by shape.
const ABBREVIATIONS: &[&str] =
    &["mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "etc", "prof", "mt", "lt", "sgt", "capt", "gen", "rev"];

/// Words that start with an apostrophe in GloVe (`'em`, `'cause`, and the
/// clitics themselves, so that already tokenised text stays as it is); any
/// other leading apostrophe is a quote mark of its own.
const LEADING_APOSTROPHE: &[&str] = &["em", "cause", "til", "n", "s", "re", "ll", "ve", "d", "m"];

/// Informal contractions GloVe has no token for, as the words they stand for.
const SPECIAL: &[(&str, &[&str])] = &[("y'know", &["you", "know"]), ("ya'know", &["you", "know"])];

/// Clitics split off the end of a word, longest first (Penn Treebank).
const CLITICS: &[&str] = &["n't", "'ll", "'re", "'ve", "'s", "'d", "'m"];

/// Transcript → lower-case GloVe-style tokens. Never fails: empty text, text
/// of only markup or only spaces gives no tokens, which callers treat as
/// "no transcript". Runs in time linear in the input.
pub fn tokenize(text: &str) -> Vec<String> {
    let clean = normalize(text).to_lowercase();
    let mut tokens = Vec::new();
    for chunk in clean.split_whitespace() {
        let chars: Vec<char> = chunk.chars().collect();
        tokenize_chunk(&chars, &mut tokens);
    }
    tokens
}

/// The parts of a hyphenated compound (`you-you` → `you`, `you`), for the
/// lookup to fall back to when GloVe has no vector for the whole. `None` when
/// the token is not a compound.
pub fn split_compound(token: &str) -> Option<Vec<&str>> {
    if !token.contains('-') || token.chars().all(|c| c == '-') {
        return None;
    }
    let parts: Vec<&str> = token.split('-').filter(|p| !p.is_empty()).collect();
    (parts.len() > 1 || (parts.len() == 1 && parts[0] != token)).then_some(parts)
}

fn is_word_char(c: char) -> bool {
    // Combining marks (decomposed accents) belong to the letter before them.
    c.is_alphanumeric() || ('\u{0300}'..='\u{036F}').contains(&c)
}

/// Splits one whitespace-free chunk.
fn tokenize_chunk(s: &[char], out: &mut Vec<String>) {
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if is_word_char(c) {
            let end = word_end(s, i);
            let word: String = s[i..end].iter().collect();
            i = end;
            push_word(&word, out);
            // A following period that belongs to an abbreviation (`mr.`).
            if s.get(i) == Some(&'.') && s.get(i + 1) != Some(&'.') && is_abbreviation(&word) {
                if let Some(last) = out.last_mut() {
                    last.push('.');
                }
                i += 1;
            }
        } else if c == '\'' {
            // `'em`, `'cause`, `'90s`: one token; otherwise a quote mark.
            let end = if s.get(i + 1).copied().is_some_and(is_word_char) { word_end(s, i + 1) } else { i + 1 };
            let word: String = s[i + 1..end].iter().collect();
            if end > i + 1 && leading_apostrophe_word(&word) {
                out.push(format!("'{word}"));
                i = end;
            } else {
                out.push("'".to_string());
                i += 1;
            }
        } else {
            let run = 1 + s[i + 1..].iter().take_while(|&&x| same_run(c, x)).count();
            out.push(punctuation_token(c, &s[i..i + run]));
            i += run;
        }
    }
}

/// Characters that repeat into one token: dots, dashes, and `!`/`?` mixed.
fn same_run(first: char, c: char) -> bool {
    match first {
        '.' | '-' | '_' => c == first,
        '!' | '?' => c == '!' || c == '?',
        _ => false,
    }
}

/// The GloVe token for a run of punctuation starting with `c`.
fn punctuation_token(c: char, run: &[char]) -> String {
    let n = run.len();
    match c {
        '.' if n > 1 => "...".to_string(),
        '-' if n > 1 => "--".to_string(),
        '!' | '?' => {
            let mixed = run.iter().any(|&x| x != c);
            if mixed {
                // `?!` or `!?`, whichever comes first.
                let other = if c == '!' { '?' } else { '!' };
                format!("{c}{other}")
            } else {
                c.to_string().repeat(n.min(3))
            }
        }
        _ if n > 1 => run.iter().take(1).collect(),
        _ => c.to_string(),
    }
}

/// End of the word that starts at `i`: word characters joined by a single
/// `-`, `.`, `,`, `:`, `/`, `&` or `'` that has a word character after it.
/// Which joins survive is settled in [`push_word`].
fn word_end(s: &[char], i: usize) -> usize {
    let mut j = i;
    while j < s.len() {
        let joins = matches!(s[j], '-' | '.' | ',' | ':' | '/' | '&' | '\'')
            && j > i
            && s.get(j + 1).copied().is_some_and(is_word_char);
        if !(is_word_char(s[j]) || joins) {
            break;
        }
        j += 1;
    }
    j
}

fn is_abbreviation(word: &str) -> bool {
    ABBREVIATIONS.contains(&word) || is_initialism(word)
}

/// `u.s`, `a.m`, `e.g`: single letters joined by periods.
fn is_initialism(word: &str) -> bool {
    let parts: Vec<&str> = word.split('.').collect();
    parts.len() > 1 && parts.iter().all(|p| p.chars().count() == 1 && p.chars().all(char::is_alphabetic))
}

fn leading_apostrophe_word(word: &str) -> bool {
    if LEADING_APOSTROPHE.contains(&word) {
        return true;
    }
    // Decades: '90s.
    let b = word.as_bytes();
    b.len() == 3 && b[0].is_ascii_digit() && b[1].is_ascii_digit() && b[2] == b's'
}

/// Emits a word found by [`word_end`], after splitting the joins GloVe does
/// not keep: separators between digits stay (`1,000`, `3.5`, `2:30`, `9/11`),
/// hyphens, slashes and `&` between letters stay (`well-known`, `and/or`,
/// `at&t`), periods only in initialisms; commas and colons between letters
/// and stray periods become their own tokens. Then clitics are split off.
fn push_word(word: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = word.chars().collect();
    let mut start = 0;
    for j in 0..chars.len() {
        let c = chars[j];
        let keep = match c {
            ',' | ':' => j > 0 && chars[j - 1].is_ascii_digit() && chars.get(j + 1).is_some_and(|x| x.is_ascii_digit()),
            '.' => {
                let digits =
                    j > 0 && chars[j - 1].is_ascii_digit() && chars.get(j + 1).is_some_and(|x| x.is_ascii_digit());
                digits || is_initialism(word)
            }
            _ => true,
        };
        if !keep {
            push_piece(&chars[start..j], out);
            out.push(c.to_string());
            start = j + 1;
        }
    }
    push_piece(&chars[start..], out);
}

fn push_piece(piece: &[char], out: &mut Vec<String>) {
    if piece.is_empty() {
        return;
    }
    let word: String = piece.iter().collect();
    if let Some(expansion) = SPECIAL.iter().find(|(w, _)| *w == word).map(|(_, e)| e) {
        out.extend(expansion.iter().map(|t| t.to_string()));
    } else if word.contains('-') && word.contains('\'') {
        // Stutters with clitics (`i'm-i'm`, `i-i'm`): GloVe has no such
        // compound, so split at the hyphens and split each part's clitics.
        for part in word.split('-').filter(|p| !p.is_empty()) {
            split_clitics(part, out);
        }
    } else {
        split_clitics(&word, out);
    }
}

/// `shouldn't've` → `should n't 've`; `can't` → `ca n't`; `o'clock` stays.
fn split_clitics(word: &str, out: &mut Vec<String>) {
    let mut stem = word;
    let mut suffixes = Vec::new();
    'peel: loop {
        for clitic in CLITICS {
            if let Some(rest) = stem.strip_suffix(clitic) {
                if !rest.is_empty() && !rest.ends_with('\'') {
                    suffixes.push(*clitic);
                    stem = rest;
                    continue 'peel;
                }
            }
        }
        break;
    }
    out.push(stem.to_string());
    out.extend(suffixes.iter().rev().map(|s| s.to_string()));
}
