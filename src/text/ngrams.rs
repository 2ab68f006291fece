//! Hashed character n-grams of a transcript's tokens: what the lexical
//! model's n-gram head (`ModelConfig::ngram_buckets`) reads beside GloVe.
//!
//! GloVe's 50-d vectors are one fixed vector per word and know nothing of
//! spelling: "sooo", "hahaha", "ugh!!" and the many words MELD's lines share
//! only in part (stems, endings) come out as the unknown vector or as a
//! neighbour that means something else. A softmax regression on character
//! n-grams alone reaches about GloVe's BLSTM on MELD (53-54 % UA), and the
//! two together about 56 % (README, lexical results): they err on
//! different lines. Hashing the n-grams into a fixed number of buckets needs
//! no vocabulary file, so the head is only a `[buckets, 4]` weight matrix.
//!
//! Each token is padded with a space on both sides and every window of
//! [`NGRAM_MIN`]..=[`NGRAM_MAX`] characters is counted in the bucket its
//! FNV-1a hash picks; the counts are then scaled to unit length, so that a
//! long line does not shout louder than a short one. A trained head means
//! something only with this exact hashing: changing it means retraining.

/// Shortest and longest n-gram, in characters (with the padding spaces).
pub const NGRAM_MIN: usize = 2;
pub const NGRAM_MAX: usize = 5;

/// The unit-length bag of hashed character n-grams of `tokens`, as sorted
/// `(bucket, weight)` pairs; empty for no token or no bucket.
pub fn hashed_ngrams(tokens: &[String], buckets: usize) -> Vec<(u32, f32)> {
    let mut counts: Vec<(u32, f32)> = Vec::new();
    if buckets == 0 {
        return counts;
    }
    let mut padded: Vec<char> = Vec::new();
    let mut utf8 = [0u8; 4];
    for token in tokens {
        padded.clear();
        padded.push(' ');
        padded.extend(token.chars());
        padded.push(' ');
        for n in NGRAM_MIN..=NGRAM_MAX {
            for window in padded.windows(n) {
                let mut hash = FNV_OFFSET;
                for c in window {
                    for &b in c.encode_utf8(&mut utf8).as_bytes() {
                        hash = (hash ^ u64::from(b)).wrapping_mul(FNV_PRIME);
                    }
                }
                counts.push(((hash % buckets as u64) as u32, 1.0));
            }
        }
    }
    counts.sort_unstable_by_key(|&(b, _)| b);
    counts.dedup_by(|next, kept| {
        let same = next.0 == kept.0;
        if same {
            kept.1 += next.1;
        }
        same
    });
    let norm = counts.iter().map(|&(_, c)| c * c).sum::<f32>().sqrt();
    if norm > 0.0 {
        counts.iter_mut().for_each(|(_, c)| *c /= norm);
    }
    counts
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    /// "hi": padded " hi " has 3 bigrams, 2 trigrams, 1 four-gram and no
    /// five-gram: 6 n-grams, all distinct here, each 1/sqrt(6).
    #[test]
    fn counts_every_window_of_the_padded_token() {
        let bag = hashed_ngrams(&tokens("hi"), 1 << 20);
        assert_eq!(bag.len(), 6, "{bag:?}");
        assert!(bag.iter().all(|&(_, w)| (w - 1.0 / 6f32.sqrt()).abs() < 1e-6), "{bag:?}");
        assert!(bag.windows(2).all(|p| p[0].0 < p[1].0), "sorted by bucket");
    }

    /// A repeated token counts twice, the bag has unit length, and one bucket
    /// takes everything.
    #[test]
    fn repeats_add_up_and_the_bag_has_unit_length() {
        let once = hashed_ngrams(&tokens("hi"), 1 << 20);
        let twice = hashed_ngrams(&tokens("hi hi"), 1 << 20);
        assert_eq!(once, twice, "the same proportions");
        let bag = hashed_ngrams(&tokens("well , i do n't know !"), 8192);
        let norm: f32 = bag.iter().map(|&(_, w)| w * w).sum();
        assert!((norm - 1.0).abs() < 1e-5 && bag.iter().all(|&(b, _)| b < 8192));
        assert_eq!(hashed_ngrams(&tokens("anything at all"), 1), vec![(0, 1.0)]);
    }

    /// The hash is fixed (FNV-1a on UTF-8), so a trained head keeps its
    /// meaning across builds and targets; non-ASCII characters are hashed
    /// by their bytes.
    #[test]
    fn the_hash_is_stable() {
        let bag = hashed_ngrams(&tokens("ok"), 1 << 16);
        let buckets: Vec<u32> = bag.iter().map(|&(b, _)| b).collect();
        // " o", "ok", "k ", " ok", "ok ", " ok " under FNV-1a 64, mod 2^16.
        let expect = |s: &str| {
            let h = s.bytes().fold(FNV_OFFSET, |h, b| (h ^ u64::from(b)).wrapping_mul(FNV_PRIME));
            (h % (1 << 16)) as u32
        };
        let mut want: Vec<u32> = [" o", "ok", "k ", " ok", "ok ", " ok "].iter().map(|s| expect(s)).collect();
        want.sort_unstable();
        want.dedup();
        assert_eq!(buckets, want);
        assert_eq!(hashed_ngrams(&tokens("héé"), 1 << 20).len(), 4 + 3 + 2 + 1, "the windows of \" héé \"");
        assert!(hashed_ngrams(&[], 8192).is_empty() && hashed_ngrams(&tokens("a"), 0).is_empty());
    }
}
