//! The tokenizer against a table: real MELD lines (as stored, and garbled the
//! way other copies of MELD carry them), IEMOCAP markup, clitics,
//! punctuation, numbers, and odd input that must not panic.

use emorec::text::normalize::{normalize_chars, repair_mojibake, strip_markup};
use emorec::text::{split_compound, tokenize};

/// Expected tokens written space-separated.
fn check(cases: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (input, expected) in cases {
        let got = tokenize(input).join(" ");
        if got != *expected {
            failures.push(format!("  {input:?}\n    expected {expected:?}\n    got      {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn meld_lines_as_stored() {
    check(&[
        (
            "also I was the point person on my company’s transition from the KL-5 to GR-6 system.",
            "also i was the point person on my company 's transition from the kl-5 to gr-6 system .",
        ),
        (
            "But that’s not enough. So… So…here’s a key to my apartment.",
            "but that 's not enough . so ... so ... here 's a key to my apartment .",
        ),
        (
            "This sounds like a hernia. You have to—you-you go to the doctor!",
            "this sounds like a hernia . you have to -- you-you go to the doctor !",
        ),
        (
            "Yeah, well, don’t “Aww Pheebs, that sucks!” me yet.",
            "yeah , well , do n't \" aww pheebs , that sucks ! \" me yet .",
        ),
        ("Nestlé Toll House?", "nestlé toll house ?"),
        ("Adiós.", "adiós ."),
        (
            "Hello, I am Guru Saj--Whoa!!  That’s supposed to be a duck right? ‘Cause otherwise",
            "hello , i am guru saj -- whoa !! that 's supposed to be a duck right ? 'cause otherwise",
        ),
        ("call him Mr. Big……ot.", "call him mr. big ... ot ."),
        ("No way! ‘Kay look", "no way ! ' kay look"),
        ("it came to about $112, but what the hell", "it came to about $ 112 , but what the hell"),
        ("I’m probably 98% happy, maybe 2% jealous.", "i 'm probably 98 % happy , maybe 2 % jealous ."),
        ("Totally. I’m like 90/10.", "totally . i 'm like 90/10 ."),
        ("Oh Ross, you're so great. [she playfully rubs his head and gets up]", "oh ross , you 're so great ."),
        ("Kathy! Hi!! Kathy! (She doesn't hear him and keeps running, Chandler starts", "kathy ! hi !! kathy !"),
        ("watching In & Out & In, Again.", "watching in & out & in , again ."),
        ("it just *fell* out of the socket.", "it just * fell * out of the socket ."),
        ("Are you serious—Really?!", "are you serious -- really ?!"),
        ("Did I hear——Mother of God", "did i hear -- mother of god"),
        ("the new years countdown – ", "the new years countdown --"),
    ]);
}

/// The same lines after UTF-8 was read as Windows-1252 (as MELD's published
/// CSVs carry them): the tokens must be the same as for the clean text.
#[test]
fn meld_mojibake_is_repaired() {
    check(&[
        ("my companyâ€™s transition", "my company 's transition"),
        ("But thatâ€™s not enough. Soâ€¦ Soâ€¦hereâ€™s a key", "but that 's not enough . so ... so ... here 's a key"),
        ("You have toâ€”you-you go", "you have to -- you-you go"),
        (
            "Yeah, well, donâ€™t â€œAww Pheebs, that sucks!â€\u{9d} me yet.",
            "yeah , well , do n't \" aww pheebs , that sucks ! \" me yet .",
        ),
        // The last byte of ” lost altogether (cp1252 has no character for it).
        ("that sucks!â€ me yet.", "that sucks ! \" me yet ."),
        ("NestlÃ© Toll House?", "nestlé toll house ?"),
        ("AdiÃ³s.", "adiós ."),
        ("â€˜Cause otherwise", "'cause otherwise"),
        ("call him Mr. Bigâ€¦â€¦ot.", "call him mr. big ... ot ."),
        ("countdown â€“ now", "countdown -- now"),
        // cp1252 bytes decoded as Latin-1: C1 control characters.
        ("don\u{92}t", "do n't"),
        // Garbled twice.
        ("don\u{c3}\u{a2}\u{e2}\u{82}\u{ac}\u{e2}\u{84}\u{a2}t", "do n't"),
    ]);
}

#[test]
fn repair_leaves_correct_text_alone() {
    for s in ["Nestlé’s", "Adiós", "naïve café", "don’t", "€5 and ™", "Ünïcödé", "日本語", "a – b"]
    {
        assert_eq!(repair_mojibake(s), s);
    }
    assert_eq!(repair_mojibake("companyâ€™s"), "company’s");
    assert_eq!(repair_mojibake("â€œquotedâ€\u{9d}"), "“quoted”");
}

#[test]
fn iemocap_markup_is_removed() {
    check(&[
        ("[LAUGHTER] Oh my God. [BREATHING]", "oh my god ."),
        ("I know [GARBAGE] what you mean", "i know what you mean"),
        ("[LIPSMACK]", ""),
        ("[LAUGHTER][BREATHING] [GARBAGE]", ""),
        ("Yeah[LAUGHTER]yeah", "yeah yeah"),
        ("<sil> okay </s>", "okay"),
        ("++BREATHING++ fine ++LAUGHTER++", "fine"),
        ("{laugh} what", "what"),
        ("unclosed [LAUGHTER at the end", "unclosed"),
        ("a < b > c", "a < b > c"),
        ("I <3 you", "i < 3 you"),
    ]);
    assert_eq!(strip_markup("a[X]b").split_whitespace().collect::<Vec<_>>(), ["a", "b"]);
}

#[test]
fn clitics_split_the_penn_treebank_way() {
    check(&[
        ("don't", "do n't"),
        ("Don't", "do n't"),
        ("can't", "ca n't"),
        ("won't", "wo n't"),
        ("ain't", "ai n't"),
        ("isn't", "is n't"),
        ("it's", "it 's"),
        ("we're", "we 're"),
        ("I'll", "i 'll"),
        ("you've", "you 've"),
        ("I'd", "i 'd"),
        ("I'm", "i 'm"),
        ("let's", "let 's"),
        ("Joey's", "joey 's"),
        ("shouldn't've", "should n't 've"),
        ("o'clock", "o'clock"),
        ("ma'am", "ma'am"),
        ("c'mon", "c'mon"),
        ("parents' house", "parents ' house"),
        ("thinkin' about", "thinkin ' about"),
        ("'em", "'em"),
        ("'cause", "'cause"),
        ("the '90s", "the '90s"),
        ("'hello'", "' hello '"),
        ("do n't it 's i 'm", "do n't it 's i 'm"),
        ("I’m", "i 'm"),
        ("don`t", "do n't"),
    ]);
}

#[test]
fn punctuation_numbers_and_compounds() {
    check(&[
        ("Hello, world.", "hello , world ."),
        ("What?!", "what ?!"),
        ("What!?", "what !?"),
        ("No!!!!!", "no !!!"),
        ("Really??", "really ??"),
        ("Wait...", "wait ..."),
        ("Wait.....what", "wait ... what"),
        ("1,000 people", "1,000 people"),
        ("3.5 miles", "3.5 miles"),
        ("at 2:30 pm", "at 2:30 pm"),
        ("9/11", "9/11"),
        ("a 50-50 chance", "a 50-50 chance"),
        ("a well-known e-mail", "a well-known e-mail"),
        ("and/or", "and/or"),
        ("AT&T", "at&t"),
        ("the U.S. army", "the u.s. army"),
        ("at 5 a.m. sharp", "at 5 a.m. sharp"),
        ("Dr. Green and Mrs. Geller", "dr. green and mrs. geller"),
        ("The end.", "the end ."),
        ("yes,no", "yes , no"),
        ("word:another", "word : another"),
        ("(laughs)", ""),
        ("\"Quoted\"", "\" quoted \""),
        ("a - b", "a - b"),
        ("-- well", "-- well"),
        ("semi;colon", "semi ; colon"),
        ("#1 fan", "# 1 fan"),
    ]);
}

#[test]
fn odd_input_has_defined_results() {
    check(&[
        ("", ""),
        ("   \t\n  ", ""),
        ("...", "..."),
        ("?!?!", "?!"),
        ("\u{0}\u{1}\u{7f}\u{9}", ""),
        ("hi\u{0}there", "hi there"),
        ("\u{200B}\u{FEFF}", ""),
        ("I love it 😀", "i love it 😀"),
        ("👍🏽 ok", "👍 ok"),
        ("👨‍👩‍👧", "👨 👩 👧"),
        ("\u{FFFD}", "\u{FFFD}"),
        ("caf\u{65}\u{301}", "caf\u{65}\u{301}"),
        ("ÇA VA", "ça va"),
        ("日本語のテキスト", "日本語のテキスト"),
        ("a\u{2028}b", "a b"),
        ("'", "'"),
        ("-", "-"),
        ("''", "' '"),
    ]);
    // Long text: linear, no recursion, no panic.
    let long = "word, ".repeat(200_000);
    assert_eq!(tokenize(&long).len(), 400_000);
    let long_word = "a".repeat(1_000_000);
    assert_eq!(tokenize(&long_word), vec![long_word.clone()]);
    let deep = "[".repeat(100_000) + "x";
    assert!(tokenize(&deep).is_empty());
    // Hyphen and quote storms.
    let _ = tokenize(&"-'".repeat(100_000));
    let _ = tokenize(&"a'".repeat(100_000));
}

#[test]
fn character_normalisation() {
    assert_eq!(normalize_chars("“a” ‘b’"), "\"a\" 'b'");
    assert_eq!(normalize_chars("a—b"), "a -- b");
    assert_eq!(normalize_chars("so…"), "so...");
    assert_eq!(normalize_chars("a\u{a0}b"), "a b");
}

#[test]
fn compounds_split_for_lookup_fallback() {
    assert_eq!(split_compound("you-you"), Some(vec!["you", "you"]));
    assert_eq!(split_compound("gr-6"), Some(vec!["gr", "6"]));
    assert_eq!(split_compound("word"), None);
    assert_eq!(split_compound("--"), None);
    assert_eq!(split_compound("-"), None);
}

/// Random strings over an alphabet of the characters every rule looks at:
/// no panic, and no token is empty or contains whitespace.
#[test]
fn random_strings_never_panic() {
    let alphabet: Vec<char> =
        "aZé0 9.,:;'\"`-–—…!?[](){}<>/+&$%_â€™œ\u{9d}Ã©\u{92}\u{0}\u{7}\n\t\u{301}\u{200d}\u{fe0f}😀👍🏽日İ"
            .chars()
            .collect();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let len = (next() % 40) as usize;
        let s: String = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
        for t in tokenize(&s) {
            assert!(!t.is_empty() && !t.chars().any(char::is_whitespace), "{s:?} gave token {t:?}");
        }
    }
}
