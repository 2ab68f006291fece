//! Cleaning a transcript before it is split into tokens: repair text that was
//! decoded with the wrong code page, bring typographic punctuation to the
//! ASCII forms GloVe 6B learned, and remove annotation that was never spoken.
//!
//! Each step is its own function so that tests can pin them down one by one;
//! [`normalize`] runs them in the order that matters (repair first, because
//! markup and quotes can only be recognised in repaired text).

/// Runs every cleaning step: [`repair_mojibake`], [`normalize_chars`],
/// [`strip_markup`]. Case is left alone (the tokenizer lower-cases).
pub fn normalize(text: &str) -> String {
    let repaired = repair_mojibake(text);
    let plain = normalize_chars(&repaired);
    strip_markup(&plain)
}

/// The bytes 0x80..=0x9F of Windows-1252, as Unicode. `None` where cp1252
/// leaves the byte undefined; decoders then usually pass it through as the C1
/// control of the same number, which [`cp1252_byte`] accepts as well.
const CP1252_HIGH: [Option<char>; 32] = [
    Some('€'),
    None,
    Some('‚'),
    Some('ƒ'),
    Some('„'),
    Some('…'),
    Some('†'),
    Some('‡'),
    Some('ˆ'),
    Some('‰'),
    Some('Š'),
    Some('‹'),
    Some('Œ'),
    None,
    Some('Ž'),
    None,
    None,
    Some('‘'),
    Some('’'),
    Some('“'),
    Some('”'),
    Some('•'),
    Some('–'),
    Some('—'),
    Some('˜'),
    Some('™'),
    Some('š'),
    Some('›'),
    Some('œ'),
    None,
    Some('ž'),
    Some('Ÿ'),
];

/// The Windows-1252 byte that `c` is the decoding of, for the non-ASCII half.
fn cp1252_byte(c: char) -> Option<u8> {
    let u = c as u32;
    // Latin-1 letters, and C1 controls: passed through by decoders for the
    // bytes cp1252 leaves undefined, and produced by Latin-1 decoders for all.
    if (0x80..=0xFF).contains(&u) {
        return Some(u as u8);
    }
    CP1252_HIGH.iter().position(|&m| m == Some(c)).map(|i| 0x80 + i as u8)
}

/// How many continuation bytes a UTF-8 lead byte announces (0 if `b` is not a
/// lead byte of a multi-byte sequence).
fn utf8_continuations(b: u8) -> usize {
    match b {
        0xC2..=0xDF => 1,
        0xE0..=0xEF => 2,
        0xF0..=0xF4 => 3,
        _ => 0,
    }
}

/// Undoes UTF-8 that was read as Windows-1252 (or Latin-1): `â€™` → `’`,
/// `â€œ` → `“`, `Ã©` → `é`, also twice-garbled text. MELD's transcripts carry
/// such sequences in some copies. A sequence is only rewritten when its
/// characters spell a complete, valid UTF-8 character, so correct text
/// (`Nestlé`, `Adiós`, a real `’`) is left as it is. A lone `â€` whose third
/// byte was lost (cp1252 has no character for 0x9D, the last byte of `”`) is
/// taken as `”`. Stray C1 controls (cp1252 bytes decoded as Latin-1) become
/// the cp1252 character they stand for.
pub fn repair_mojibake(text: &str) -> String {
    let mut current = text.to_string();
    // Twice-garbled text needs two rounds; three bounds the work.
    for _ in 0..3 {
        let next = repair_once(&current);
        if next == current {
            break;
        }
        current = next;
    }
    current
        .chars()
        .map(|c| {
            let u = c as u32;
            if (0x80..=0x9F).contains(&u) {
                CP1252_HIGH[(u - 0x80) as usize].unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

fn repair_once(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if let Some((decoded, used)) = decode_at(&chars, i) {
            out.push(decoded);
            i += used;
            continue;
        }
        // `â€` with its last byte lost: the right double quote.
        if chars[i] == 'â' && chars.get(i + 1) == Some(&'€') {
            out.push('”');
            i += 2;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Tries to read one UTF-8 character whose bytes were decoded as cp1252
/// characters starting at `chars[i]`; returns it and how many chars it used.
fn decode_at(chars: &[char], i: usize) -> Option<(char, usize)> {
    let lead = cp1252_byte(chars[i])?;
    let n = utf8_continuations(lead);
    if n == 0 || i + n >= chars.len() {
        return None;
    }
    let mut bytes = [lead, 0, 0, 0];
    for (slot, &c) in bytes[1..=n].iter_mut().zip(&chars[i + 1..]) {
        let b = cp1252_byte(c)?;
        if !(0x80..=0xBF).contains(&b) {
            return None;
        }
        *slot = b;
    }
    let s = std::str::from_utf8(&bytes[..=n]).ok()?;
    let c = s.chars().next()?;
    Some((c, n + 1))
}

/// Brings typographic characters to the ASCII forms GloVe 6B's tokenizer
/// produced (GloVe has vectors for `'`, `"`, `--` and `...` that are far
/// better trained than those of `’`, `“`, `—` or `…`), turns every kind of
/// space and control character into a plain space, and drops invisible
/// characters (zero-width joiners, variation selectors, soft hyphens, emoji
/// skin-tone modifiers) that would otherwise split or glue tokens.
pub fn normalize_chars(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' | '\u{00B4}' => out.push('\''),
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}' | '\u{00BB}' => out.push('"'),
            // Dashes mark a break in speech: a separate `--` token.
            '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' => {
                if !out.ends_with(" -- ") {
                    out.push_str(" -- ")
                }
            }
            '\u{2212}' | '\u{2010}' | '\u{2011}' => out.push('-'),
            '\u{2026}' => out.push_str("..."),
            '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' => {}
            '\u{FE00}'..='\u{FE0F}' | '\u{1F3FB}'..='\u{1F3FF}' => {}
            c if c.is_whitespace() || c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Removes annotation that is not speech:
/// - bracketed tags: IEMOCAP's `[LAUGHTER]`, `[BREATHING]`, `[GARBAGE]`,
///   `[LIPSMACK]`, MELD's `[she playfully rubs his head]`, `{laugh}`;
/// - parenthesised stage directions (MELD: `(She doesn't hear him ...`),
///   which MELD often leaves unclosed: an unclosed `(`, `[` or `{` runs to
///   the end of the text;
/// - angle-bracket tags without spaces (`<sil>`, `<laughs>`, `</s>`);
/// - alignment markers like `++BREATHING++`.
///
/// A removed span leaves a space, so the words around it stay apart.
pub fn strip_markup(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let close = match c {
            '[' => Some(']'),
            '{' => Some('}'),
            '(' => Some(')'),
            _ => None,
        };
        if let Some(close) = close {
            // Skip to the matching close, or to the end when unclosed.
            let end = chars[i + 1..].iter().position(|&x| x == close).map(|p| i + 1 + p);
            out.push(' ');
            i = end.map_or(chars.len(), |e| e + 1);
            continue;
        }
        if c == '<' {
            if let Some(len) = angle_tag_len(&chars[i..]) {
                out.push(' ');
                i += len;
                continue;
            }
        }
        if c == '+' && chars.get(i + 1) == Some(&'+') {
            if let Some(len) = plus_tag_len(&chars[i..]) {
                out.push(' ');
                i += len;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Length of `<tag>` or `</tag>` at the start of `s` (letters, digits, `_`,
/// `-`, no spaces), so `a < b` and `<3` stay text.
fn angle_tag_len(s: &[char]) -> Option<usize> {
    let mut j = 1;
    if s.get(j) == Some(&'/') {
        j += 1;
    }
    let start = j;
    while j < s.len() && (s[j].is_alphanumeric() || s[j] == '_' || s[j] == '-') {
        j += 1;
    }
    (j > start && s.get(j) == Some(&'>') && s[start].is_alphabetic()).then_some(j + 1)
}

/// Length of `++WORD++` at the start of `s`.
fn plus_tag_len(s: &[char]) -> Option<usize> {
    let mut j = 2;
    while j < s.len() && (s[j].is_alphanumeric() || s[j] == '_') {
        j += 1;
    }
    (j > 2 && s.get(j) == Some(&'+') && s.get(j + 1) == Some(&'+')).then_some(j + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp1252_round_trip_of_every_defined_byte() {
        for b in 0x80u8..=0xFF {
            let c = match b {
                0x80..=0x9F => CP1252_HIGH[(b - 0x80) as usize].unwrap_or(b as char),
                _ => b as char,
            };
            assert_eq!(cp1252_byte(c), Some(b), "byte {b:#x}");
        }
    }
}
