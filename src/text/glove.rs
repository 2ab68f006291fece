//! Reading GloVe's own text format (`word v1 ... vD`, one word a line, most
//! frequent first), plain or gzipped. GloVe is a build-time input: the
//! shipped model carries a pruned [`Vocabulary`](super::Vocabulary) instead,
//! so only native code needs to open the file, but the parser itself reads
//! any `BufRead` and so also runs in wasm.

use std::collections::HashMap;
use std::io::BufRead;

use super::TextError;

/// Word vectors in frequency order (row `i` is the `i`-th most frequent word).
#[derive(Debug, Clone)]
pub struct Glove {
    dim: usize,
    words: Vec<String>,
    /// `words.len() x dim`, row-major.
    vectors: Vec<f32>,
    index: HashMap<String, usize>,
}

impl Glove {
    /// Parses GloVe text. Every line must have the same number of values,
    /// all finite; blank lines are skipped. A word that repeats keeps its
    /// first (more frequent) row. `limit` stops after that many words.
    pub fn read<R: BufRead>(reader: R, limit: Option<usize>) -> Result<Glove, TextError> {
        let mut dim = 0;
        let mut words = Vec::new();
        let mut vectors = Vec::new();
        let mut index = HashMap::new();
        for (n, line) in reader.lines().enumerate() {
            if limit.is_some_and(|l| words.len() >= l) {
                break;
            }
            let line = line.map_err(|e| TextError::Glove(format!("line {}: {e}", n + 1)))?;
            let line = line.trim_end();
            if line.is_empty() {
                continue;
            }
            let mut fields = line.split(' ');
            let word = fields.next().unwrap_or_default();
            let start = vectors.len();
            for f in fields {
                let v: f32 =
                    f.parse().map_err(|_| TextError::Glove(format!("line {}: {f:?} is not a number", n + 1)))?;
                if !v.is_finite() {
                    return Err(TextError::Glove(format!("line {}: non-finite value {f}", n + 1)));
                }
                vectors.push(v);
            }
            let got = vectors.len() - start;
            if dim == 0 {
                if got == 0 {
                    return Err(TextError::Glove(format!("line {}: a word without a vector", n + 1)));
                }
                dim = got;
            } else if got != dim {
                return Err(TextError::Glove(format!("line {}: {got} values, expected {dim}", n + 1)));
            }
            if index.contains_key(word) {
                vectors.truncate(start);
                continue;
            }
            index.insert(word.to_string(), words.len());
            words.push(word.to_string());
        }
        if words.is_empty() {
            return Err(TextError::Glove("no word vectors in the input".into()));
        }
        Ok(Glove { dim, words, vectors, index })
    }

    /// Reads a GloVe file, gunzipping it when it starts with the gzip magic.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn open(path: &std::path::Path, limit: Option<usize>) -> Result<Glove, TextError> {
        use std::io::{BufReader, Read};
        let file =
            std::fs::File::open(path).map_err(|e| TextError::Glove(format!("cannot open {}: {e}", path.display())))?;
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let gz = reader.fill_buf().map(|b| b.starts_with(&[0x1f, 0x8b])).unwrap_or(false);
        let result = if gz {
            let decoder = flate2::bufread::GzDecoder::new(reader);
            Glove::read(BufReader::with_capacity(1 << 20, decoder), limit)
        } else {
            Glove::read(reader.by_ref(), limit)
        };
        result.map_err(|e| match e {
            TextError::Glove(m) => TextError::Glove(format!("{}: {m}", path.display())),
            other => other,
        })
    }

    /// Values per vector (50 for GloVe 6B 50d).
    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Words, most frequent first.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Frequency rank of `word` (0 = most frequent).
    pub fn rank(&self, word: &str) -> Option<usize> {
        self.index.get(word).copied()
    }

    pub fn contains(&self, word: &str) -> bool {
        self.index.contains_key(word)
    }

    /// The vector of the word at `rank`.
    pub fn row(&self, rank: usize) -> &[f32] {
        &self.vectors[rank * self.dim..(rank + 1) * self.dim]
    }

    pub fn vector(&self, word: &str) -> Option<&[f32]> {
        self.rank(word).map(|r| self.row(r))
    }

    /// Mean of all vectors: the unknown-word vector. A point in the middle of
    /// the embedding cloud says "some word" without leaning towards any.
    pub fn mean(&self) -> Vec<f32> {
        let mut sum = vec![0f64; self.dim];
        for row in self.vectors.chunks_exact(self.dim) {
            for (s, &v) in sum.iter_mut().zip(row) {
                *s += v as f64;
            }
        }
        sum.iter().map(|&s| (s / self.len() as f64) as f32).collect()
    }
}
