//! The screener: every listed name folded once, a candidate index over listed tokens, and the
//! screening of one party against it.
//!
//! Candidate generation is prefix filtering at the token level. A listed name can only reach
//! its list's threshold if the party's name covers most of its weight, so at least one of its
//! heaviest tokens (its *required* tokens: the fewest, heaviest tokens whose loss alone would
//! sink the score) must be matched. Each listed name is indexed under its required tokens only
//! (and under joins of its short adjacent tokens, for names written split or joined), and each
//! indexed token under keys that find it despite a typo or a transliteration leftover: the
//! token and its one-letter deletions (two tokens within one substitution, insertion, deletion
//! or transposition share a key) and its consonant skeleton. A party's tokens look up the same
//! keys; similar tokens lead to the few listed names worth scoring. `screen_naive` scores every
//! listed name with the same scorer: the baseline the benchmark compares against.

use crate::list::{Entity, Kind, List, ListSet};
use crate::score::{
    Fuzz, Listed, Side, TOKEN_FLOOR, list_side, score, skeleton, token_sim, unmatched_costs, weight,
};
use crate::text::{Class, Folded, Folder, Token};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Score added when the party's country is one of the listed entity's countries.
pub const COUNTRY_BONUS: f32 = 0.03;
/// Score added when the party's address shares a place name with the listed entity's.
pub const ADDRESS_BONUS: f32 = 0.02;
/// Tokens of at most this many bytes are joined with their neighbours (split syllables:
/// `Nam Chon Gang`, `Zhong Guo`).
const SHORT_TOKEN: usize = 5;
/// Tokens shorter than this are looked up exactly (no deletions, no skeleton).
const MIN_FUZZY: usize = 4;
/// Tokens shorter than this get no deletion keys (a four-letter word must match exactly, unless
/// it is a generic word: see `score::token_sim`).
const MIN_DELETIONS: usize = 5;
/// Longest token indexed with its deletions (longer ones: exact and skeleton keys).
const MAX_FUZZY: usize = 24;
/// Longest join of tokens looked up.
const MAX_JOIN: usize = 40;

/// A small fast hasher for keys that are short byte strings.
#[derive(Default, Clone, Copy)]
struct Fx(u64);

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// Polynomial base of the key hash.
const BASE: u64 = 0x100_0000_01b3;

/// Polynomial hash of `bytes` (wrapping): deletion variants of a token are then computed from
/// its prefix and suffix hashes without copying.
fn poly(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |h, &b| {
        h.wrapping_mul(BASE).wrapping_add(u64::from(b) + 1)
    })
}

/// A lookup key from a polynomial hash, the key family and the piece's length.
fn key(family: u64, h: u64, len: usize) -> u64 {
    let mut x = h ^ (family << 56) ^ ((len as u64) << 48);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^ (x >> 29)
}

/// How a piece is looked up: a token with its deletions and skeleton (a generic word with
/// deletions even at four letters), or a join of tokens exactly (typos inside joins are found
/// from the listed side's deletions).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keys {
    Fuzzy,
    FuzzyGeneric,
    Exact,
}

/// Calls `f` with every lookup key of `token`: itself, then (fuzzy) its one-letter deletions
/// and its consonant skeleton (of three consonants or more; of two too with `two`).
fn keys(token: &[u8], which: Keys, two: bool, mut f: impl FnMut(u64)) {
    let n = token.len();
    let whole = poly(token);
    f(key(0, whole, n));
    if which == Keys::Exact {
        return;
    }
    let mut sk = [0u8; 64];
    let k = skeleton(token, &mut sk);
    // Two-consonant skeletons (`two`) for names from Arabic script, which writes no short
    // vowels (القاعده / Qaida): listed such tokens carry the key, a party's tokens look it up.
    if (k >= 3 && n >= MIN_FUZZY) || (k == 2 && two) {
        f(key(1, poly(&sk[..k]), k));
    }
    if n < MIN_FUZZY {
        return;
    }
    let min = if which == Keys::FuzzyGeneric {
        MIN_FUZZY
    } else {
        MIN_DELETIONS
    };
    if n >= min && n <= MAX_FUZZY {
        // prefix[i] = poly(token[..i]); pow[k] = BASE^k.
        let mut prefix = [0u64; MAX_FUZZY + 1];
        let mut pow = [1u64; MAX_FUZZY + 1];
        for i in 0..n {
            prefix[i + 1] = prefix[i]
                .wrapping_mul(BASE)
                .wrapping_add(u64::from(token[i]) + 1);
            pow[i + 1] = pow[i].wrapping_mul(BASE);
        }
        for i in 0..n {
            if i > 0 && token[i] == token[i - 1] {
                continue;
            }
            // poly(token without i) = prefix[i] * BASE^(n-1-i) + poly(token[i+1..]).
            let suffix = whole.wrapping_sub(prefix[i + 1].wrapping_mul(pow[n - 1 - i]));
            let h = prefix[i].wrapping_mul(pow[n - 1 - i]).wrapping_add(suffix);
            f(key(0, h, n - 1));
        }
    }
}

/// One listed name, folded.
struct Name {
    entity: u32,
    alias: u16,
    text: u32,
    text_len: u16,
    tokens: u32,
    n_tokens: u8,
}

/// A party to screen.
#[derive(Clone, Copy, Debug)]
pub struct Party<'a> {
    /// Name as written on the manifest.
    pub name: &'a str,
    /// ISO alpha-2 country, if known.
    pub country: Option<[u8; 2]>,
    /// Address and city, free text ("" if unknown).
    pub address: &'a str,
}

/// A party that matches a listed entity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    /// Index of the entity (`Screener::entity`).
    pub entity: u32,
    /// Which of its names matched.
    pub alias: u16,
    /// Name score plus evidence.
    pub score: f32,
    /// Name score alone.
    pub name_score: f32,
    /// The party's country is one of the entity's.
    pub country: bool,
    /// The party's address shares a place name with the entity's.
    pub address: bool,
}

/// Buffers one screening thread reuses, so that screening allocates nothing per party once
/// they have grown.
pub struct Scratch {
    folder: Folder,
    q: Folded,
    weights: Vec<f32>,
    /// Stamp of the current party (names marked, vocabulary matched).
    epoch: u32,
    /// Stamp of the current lookup piece (vocabulary already looked at for it).
    piece: u32,
    vocab_seen: Vec<u32>,
    vocab_match: Vec<u32>,
    vocab_sim: Vec<f32>,
    name_seen: Vec<u32>,
    candidates: Vec<u32>,
    found: Vec<u32>,
    /// Which of the party's tokens matched some listed token (bounds how much of the party's
    /// name any listed name can explain).
    q_hit: [bool; crate::text::MAX_TOKENS],
    /// The most of the party's name any listed name can explain, from `q_hit`.
    explained_max: f32,
    addr: Folded,
    addr_done: bool,
    /// Parties screened and listed names scored, for the benchmark's figures.
    pub screened: u64,
    /// Listed names scored.
    pub scored: u64,
}

/// Lists compiled for screening.
pub struct Screener {
    set: ListSet,
    names: Vec<Name>,
    text: Vec<u8>,
    tokens: Vec<Token>,
    weights: Vec<f32>,
    rarity: FxMap<Box<[u8]>, f32>,
    /// Indexed tokens (required tokens and joins), back to back; `vocab[i]` is (start, len).
    vocab_text: Vec<u8>,
    vocab: Vec<(u32, u8)>,
    /// Names indexed under each vocabulary token: `vocab_names[vocab_start[i]..vocab_start[i+1]]`.
    vocab_start: Vec<u32>,
    vocab_names: Vec<u32>,
    /// The tokens a join stands for: `part_vocab[vocab_parts[i].0..vocab_parts[i].1]` (empty
    /// for a plain token).
    vocab_parts: Vec<(u32, u32)>,
    part_vocab: Vec<u32>,
    /// Each listed token's weight in the listed-name coverage (parallel to `tokens`).
    cover: Vec<f32>,
    /// What leaving each listed token unmatched costs (parallel to `tokens`).
    cost: Vec<f32>,
    /// Whether a vocabulary token is a generic word (matched leniently).
    vocab_generic: Vec<bool>,
    /// Vocabulary id of every listed token (parallel to `tokens`).
    token_vocab: Vec<u32>,
    /// Lookup key -> range of `key_vocab`.
    keys: FxMap<u64, (u32, u32)>,
    key_vocab: Vec<u32>,
    /// Folded place words of each entity's addresses.
    places: Vec<Vec<Box<[u8]>>>,
}

/// Calls `f` with the pieces a name written split or joined is found by: each pair of adjacent
/// tokens joined, each run of three short ones, and the whole name when it has three tokens or
/// more; with the token range each covers. A letter repeated across a junction is written once,
/// as folding does inside a word (`Chang Gwang` / `Changgwang`).
fn joins(text: &[u8], folded_tokens: &[Token], mut f: impl FnMut(&[u8], std::ops::Range<usize>)) {
    let short = |t: &Token| usize::from(t.end - t.start) <= SHORT_TOKEN;
    let n = folded_tokens.len();
    let mut buf = [0u8; MAX_JOIN];
    let mut emit = |i: usize, j: usize| {
        let mut len = 0;
        for t in &folded_tokens[i..=j] {
            for &b in &text[usize::from(t.start)..usize::from(t.end)] {
                if len == MAX_JOIN {
                    return;
                }
                if len > 0 && buf[len - 1] == b {
                    continue;
                }
                buf[len] = b;
                len += 1;
            }
        }
        f(&buf[..len], i..j + 1);
    };
    for i in 0..n {
        if i + 2 <= n {
            emit(i, i + 1);
        }
        if i + 3 <= n && folded_tokens[i..i + 3].iter().all(short) {
            emit(i, i + 2);
        }
    }
    if n >= 3 {
        emit(0, n - 1);
    }
}

impl Screener {
    /// Compiles `set`.
    pub fn build(set: ListSet) -> Screener {
        let mut folder = Folder::default();
        let mut f = Folded::default();
        let mut names = Vec::new();
        let mut text = Vec::new();
        let mut tokens = Vec::new();
        let mut df: FxMap<Box<[u8]>, u32> = FxMap::default();
        let mut places = Vec::with_capacity(set.entities.len());
        for (ei, e) in set.entities.iter().enumerate() {
            for (ai, n) in e.names.iter().enumerate() {
                folder.fold(n, &mut f);
                if f.tokens.is_empty() {
                    continue;
                }
                let mut seen: Vec<&[u8]> = Vec::new();
                for i in 0..f.tokens.len() {
                    let t = f.token(i);
                    if !seen.contains(&t) {
                        seen.push(t);
                        *df.entry(t.into()).or_default() += 1;
                    }
                }
                names.push(Name {
                    entity: ei as u32,
                    alias: ai as u16,
                    text: text.len() as u32,
                    text_len: f.text.len() as u16,
                    tokens: tokens.len() as u32,
                    n_tokens: f.tokens.len() as u8,
                });
                text.extend_from_slice(f.text.as_bytes());
                tokens.extend_from_slice(&f.tokens);
            }
            let mut p: Vec<Box<[u8]>> = Vec::new();
            for a in &e.addresses {
                folder.fold(a, &mut f);
                for i in 0..f.tokens.len() {
                    let t = f.token(i);
                    if t.len() >= 4 && !p.iter().any(|x| &x[..] == t) {
                        p.push(t.into());
                    }
                }
            }
            places.push(p);
        }
        let n = names.len().max(1) as f32;
        let rarity: FxMap<Box<[u8]>, f32> =
            df.into_iter().map(|(k, d)| (k, rarity_of(d, n))).collect();
        let mut weights = Vec::with_capacity(tokens.len());
        for name in &names {
            let s = name.text as usize;
            for t in
                &tokens[name.tokens as usize..name.tokens as usize + usize::from(name.n_tokens)]
            {
                let b = &text[s + usize::from(t.start)..s + usize::from(t.end)];
                weights.push(rarity.get(b).copied().unwrap_or(1.0));
            }
        }
        // Each listed token's weight in the coverage and what leaving it unmatched costs.
        let mut cover = vec![0f32; tokens.len()];
        let mut cost = vec![0f32; tokens.len()];
        for name in &names {
            let r = name.tokens as usize..name.tokens as usize + usize::from(name.n_tokens);
            for j in r.clone() {
                cover[j] = weight(tokens[j].class, weights[j]);
            }
            let e = &set.entities[name.entity as usize];
            let listed = Listed::of(e.kind, &e.countries);
            unmatched_costs(&tokens[r.clone()], &cover[r.clone()], listed, &mut cost[r]);
        }
        // Vocabulary: every listed token (so a party's matches can be checked against whole
        // names) and every join of short adjacent tokens; names are indexed under their
        // required tokens and their joins only.
        let mut vocab_id: FxMap<Box<[u8]>, u32> = FxMap::default();
        let mut vocab_text = Vec::new();
        let mut vocab: Vec<(u32, u8)> = Vec::new();
        let mut vocab_parts: Vec<(u32, u32)> = Vec::new();
        let mut vocab_generic: Vec<bool> = Vec::new();
        let mut vocab_abjad: Vec<bool> = Vec::new();
        let mut part_vocab: Vec<u32> = Vec::new();
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut token_vocab = Vec::with_capacity(tokens.len());
        let mut intern = |piece: &[u8], parts: &[u32], generic: bool, abjad: bool| -> u32 {
            let piece = &piece[..piece.len().min(255)];
            *vocab_id.entry(piece.into()).or_insert_with(|| {
                vocab_generic.push(generic);
                vocab_abjad.push(abjad);
                vocab.push((vocab_text.len() as u32, piece.len() as u8));
                vocab_text.extend_from_slice(piece);
                let p0 = part_vocab.len() as u32;
                part_vocab.extend_from_slice(parts);
                vocab_parts.push((p0, part_vocab.len() as u32));
                (vocab.len() - 1) as u32
            })
        };
        for (ni, name) in names.iter().enumerate() {
            let t0 = name.tokens as usize;
            let toks = &tokens[t0..t0 + usize::from(name.n_tokens)];
            let nt = &text[name.text as usize..name.text as usize + usize::from(name.text_len)];
            let e = &set.entities[name.entity as usize];
            let threshold = set.lists[usize::from(e.list)].threshold;
            let ids: Vec<u32> = toks
                .iter()
                .map(|t| {
                    let piece = &nt[usize::from(t.start)..usize::from(t.end)];
                    intern(piece, &[], t.class == Class::Generic, t.abjad)
                })
                .collect();
            let (c0, c1) = (t0, t0 + toks.len());
            for i in required(&cover[c0..c1], &cost[c0..c1], threshold) {
                pairs.push((ids[i], ni as u32));
            }
            token_vocab.extend_from_slice(&ids);
            joins(nt, toks, |piece, range| {
                let id = intern(piece, &ids[range], false, false);
                pairs.push((id, ni as u32));
            });
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut vocab_start = vec![0u32; vocab.len() + 1];
        for &(v, _) in &pairs {
            vocab_start[v as usize + 1] += 1;
        }
        for i in 0..vocab.len() {
            vocab_start[i + 1] += vocab_start[i];
        }
        let vocab_names: Vec<u32> = pairs.iter().map(|&(_, n)| n).collect();
        // Keys of every vocabulary token.
        let mut kv: Vec<(u64, u32)> = Vec::new();
        for (vi, &(s, l)) in vocab.iter().enumerate() {
            let which = if vocab_generic[vi] {
                Keys::FuzzyGeneric
            } else {
                Keys::Fuzzy
            };
            keys(
                &vocab_text[s as usize..s as usize + usize::from(l)],
                which,
                vocab_abjad[vi],
                |k| kv.push((k, vi as u32)),
            );
        }
        kv.sort_unstable();
        kv.dedup();
        let mut key_map: FxMap<u64, (u32, u32)> = FxMap::default();
        key_map.reserve(kv.len());
        let mut key_vocab = Vec::with_capacity(kv.len());
        for (i, &(k, v)) in kv.iter().enumerate() {
            if i == 0 || kv[i - 1].0 != k {
                key_map.insert(k, (key_vocab.len() as u32, 0));
            }
            key_vocab.push(v);
            key_map.get_mut(&k).expect("inserted").1 += 1;
        }
        Screener {
            set,
            names,
            text,
            tokens,
            weights,
            rarity,
            vocab_text,
            vocab,
            vocab_start,
            vocab_names,
            vocab_parts,
            part_vocab,
            vocab_generic,
            cover,
            cost,
            token_vocab,
            keys: key_map,
            key_vocab,
            places,
        }
    }

    /// Fresh buffers for one screening thread.
    pub fn scratch(&self) -> Scratch {
        Scratch {
            folder: Folder::default(),
            q: Folded::default(),
            weights: Vec::new(),
            epoch: 0,
            piece: 0,
            vocab_seen: vec![0; self.vocab.len()],
            vocab_match: vec![0; self.vocab.len()],
            vocab_sim: vec![0.0; self.vocab.len()],
            name_seen: vec![0; self.names.len()],
            candidates: Vec::new(),
            found: Vec::new(),
            q_hit: [false; crate::text::MAX_TOKENS],
            explained_max: 1.0,
            addr: Folded::default(),
            addr_done: false,
            screened: 0,
            scored: 0,
        }
    }

    /// The lists.
    pub fn lists(&self) -> &[List] {
        &self.set.lists
    }

    /// Entity `i`.
    pub fn entity(&self, i: u32) -> &Entity {
        &self.set.entities[i as usize]
    }

    /// Number of entities.
    pub fn entities(&self) -> usize {
        self.set.entities.len()
    }

    /// Number of listed names (aliases) indexed.
    pub fn names(&self) -> usize {
        self.names.len()
    }

    /// Number of distinct tokens and joins the index holds.
    pub fn vocabulary(&self) -> usize {
        self.vocab.len()
    }

    /// The list an entity is on.
    pub fn list_of(&self, e: &Entity) -> &List {
        &self.set.lists[usize::from(e.list)]
    }

    /// Folds the party's name into the scratch; false when nothing is left to compare.
    fn prepare(&self, p: &Party, s: &mut Scratch) -> bool {
        s.folder.fold(p.name, &mut s.q);
        s.addr_done = false;
        s.weights.clear();
        for i in 0..s.q.tokens.len() {
            let w = self.rarity.get(s.q.token(i)).copied().unwrap_or(1.0);
            s.weights.push(w);
        }
        !s.q.tokens.is_empty()
    }

    /// Screens one party: its matches (best name per entity) at or above each list's
    /// threshold, best first.
    pub fn screen(&self, p: &Party, s: &mut Scratch, out: &mut Vec<Hit>) {
        out.clear();
        if !self.prepare(p, s) {
            return;
        }
        s.epoch = s.epoch.wrapping_add(1);
        if s.epoch == 0 {
            s.vocab_match.fill(0);
            s.name_seen.fill(0);
            s.epoch = 1;
        }
        s.candidates.clear();
        let q = std::mem::take(&mut s.q);
        s.q_hit = [false; crate::text::MAX_TOKENS];
        for i in 0..q.tokens.len() {
            let t = q.tokens[i];
            let generic = t.class == Class::Generic;
            let which = if generic {
                Keys::FuzzyGeneric
            } else {
                Keys::Fuzzy
            };
            s.q_hit[i] = self.look_up(q.token(i), which, t.abjad, generic, s);
        }
        joins(q.text.as_bytes(), &q.tokens, |piece, range| {
            if self.look_up(piece, Keys::Exact, false, false, s) {
                s.q_hit[range].fill(true);
            }
        });
        let (mut hit, mut all) = (0.0, 0.0);
        for (i, t) in q.tokens.iter().enumerate() {
            let w = weight(t.class, s.weights[i]);
            all += w;
            if s.q_hit[i] {
                hit += w;
            }
        }
        s.explained_max = if all > 0.0 { hit / all } else { 0.0 };
        s.q = q;
        let candidates = std::mem::take(&mut s.candidates);
        s.screened += 1;
        for &ni in &candidates {
            if self.may_reach(ni, s) {
                s.scored += 1;
                self.consider(ni, p, s, out);
            }
        }
        s.candidates = candidates;
        finish(out);
    }

    /// Finds the vocabulary tokens similar to `piece`, records how similar, and marks the
    /// names indexed under them as candidates.
    fn look_up(
        &self,
        piece: &[u8],
        which: Keys,
        abjad: bool,
        generic: bool,
        s: &mut Scratch,
    ) -> bool {
        let mut any = false;
        s.piece = s.piece.wrapping_add(1);
        if s.piece == 0 {
            s.vocab_seen.fill(0);
            s.piece = 1;
        }
        s.found.clear();
        let stamp = s.piece;
        keys(piece, which, which != Keys::Exact, |k| {
            if let Some(&(a, n)) = self.keys.get(&k) {
                for &v in &self.key_vocab[a as usize..(a + n) as usize] {
                    if s.vocab_seen[v as usize] != stamp {
                        s.vocab_seen[v as usize] = stamp;
                        s.found.push(v);
                    }
                }
            }
        });
        let epoch = s.epoch;
        for &v in &s.found {
            let (start, len) = self.vocab[v as usize];
            let tok = &self.vocab_text[start as usize..start as usize + usize::from(len)];
            let fuzz = Fuzz {
                abjad,
                lenient: generic || self.vocab_generic[v as usize],
                syllabic: false,
            };
            let sim = token_sim(piece, tok, fuzz);
            if sim < TOKEN_FLOOR {
                continue;
            }
            any = true;
            let vi = v as usize;
            // A join matched stands for the tokens it joins.
            let (p0, p1) = self.vocab_parts[vi];
            for &u in std::iter::once(&v).chain(&self.part_vocab[p0 as usize..p1 as usize]) {
                let u = u as usize;
                if s.vocab_match[u] != epoch || s.vocab_sim[u] < sim {
                    s.vocab_match[u] = epoch;
                    s.vocab_sim[u] = sim;
                }
            }
            let (a, b) = (self.vocab_start[vi], self.vocab_start[vi + 1]);
            for &ni in &self.vocab_names[a as usize..b as usize] {
                if s.name_seen[ni as usize] != epoch {
                    s.name_seen[ni as usize] = epoch;
                    s.candidates.push(ni);
                }
            }
        }
        any
    }

    /// Whether listed name `ni` can still reach its threshold, given which of its tokens the
    /// party's tokens matched and how well (an upper bound of the score, cheap to compute).
    fn may_reach(&self, ni: u32, s: &Scratch) -> bool {
        let name = &self.names[ni as usize];
        let e = &self.set.entities[name.entity as usize];
        let threshold = self.set.lists[usize::from(e.list)].threshold;
        let t0 = name.tokens as usize;
        let toks = &self.tokens[t0..t0 + usize::from(name.n_tokens)];
        let (mut got, mut all) = (0.0, 0.0);
        for j in t0..t0 + toks.len() {
            let v = self.token_vocab[j] as usize;
            if s.vocab_match[v] == s.epoch {
                got += self.cover[j] * s.vocab_sim[v];
                all += self.cover[j];
            } else {
                all += self.cost[j];
            }
        }
        let covered = if all > 0.0 { got / all } else { 0.0 };
        let side = list_side(toks.len());
        side * covered + (1.0 - side) * s.explained_max + COUNTRY_BONUS + ADDRESS_BONUS >= threshold
    }

    /// Screens one party against every listed name with the same scorer (the baseline).
    pub fn screen_naive(&self, p: &Party, s: &mut Scratch, out: &mut Vec<Hit>) {
        out.clear();
        if !self.prepare(p, s) {
            return;
        }
        for ni in 0..self.names.len() {
            self.consider(ni as u32, p, s, out);
        }
        finish(out);
    }

    /// Scores listed name `ni`; adds a hit if it reaches its list's threshold.
    fn consider(&self, ni: u32, p: &Party, s: &mut Scratch, out: &mut Vec<Hit>) {
        let name = &self.names[ni as usize];
        let e = &self.set.entities[name.entity as usize];
        let threshold = self.set.lists[usize::from(e.list)].threshold;
        let t0 = name.tokens as usize;
        let t1 = t0 + usize::from(name.n_tokens);
        let l = Side {
            text: &self.text[name.text as usize..name.text as usize + usize::from(name.text_len)],
            tokens: &self.tokens[t0..t1],
            weights: &self.weights[t0..t1],
        };
        let q = Side::new(&s.q, &s.weights);
        let name_score = score(&q, &l, Listed::of(e.kind, &e.countries));
        if name_score + COUNTRY_BONUS + ADDRESS_BONUS < threshold {
            return;
        }
        let country = p.country.is_some_and(|c| e.countries.contains(&c));
        let places = &self.places[name.entity as usize];
        let address = !places.is_empty() && !p.address.is_empty() && {
            if !s.addr_done {
                s.folder.fold(p.address, &mut s.addr);
                s.addr_done = true;
            }
            (0..s.addr.tokens.len()).any(|i| places.iter().any(|x| &x[..] == s.addr.token(i)))
        };
        let total = (name_score
            + if country { COUNTRY_BONUS } else { 0.0 }
            + if address { ADDRESS_BONUS } else { 0.0 })
        .min(1.0);
        if total >= threshold {
            out.push(Hit {
                entity: name.entity,
                alias: name.alias,
                score: total,
                name_score,
                country,
                address,
            });
        }
    }

    /// Why a hit is a hit, in words an officer reads.
    pub fn explain(&self, h: &Hit) -> String {
        let e = self.entity(h.entity);
        let list = self.list_of(e);
        let alias = &e.names[usize::from(h.alias)];
        let mut why = format!("matches {} {} {:?}", list.id, e.id, e.names[0]);
        if h.alias != 0 {
            why.push_str(&format!(" (as {alias:?})"));
        }
        why.push_str(&format!(
            " ({}, {}): name score {:.2}",
            match e.kind {
                Kind::Person => "person",
                Kind::Organisation => "organisation",
            },
            e.programme,
            h.name_score
        ));
        if h.country {
            why.push_str(&format!(", same country +{COUNTRY_BONUS:.2}"));
        }
        if h.address {
            why.push_str(&format!(", same place in the address +{ADDRESS_BONUS:.2}"));
        }
        why.push_str(&format!(
            " = {:.2} (list threshold {:.2})",
            h.score, list.threshold
        ));
        why
    }
}

/// The required tokens of a listed name (indices, heaviest first): a party name that matches
/// none of them cannot reach `threshold`, since leaving them unmatched costs the listed-name
/// coverage more than the score can spare.
fn required(cover: &[f32], cost: &[f32], threshold: f32) -> Vec<usize> {
    let total: f32 = cover.iter().sum();
    // Coverage the listed side needs when everything else is perfect.
    let side = list_side(cover.len());
    let need = ((threshold - COUNTRY_BONUS - ADDRESS_BONUS - (1.0 - side)) / side).max(0.0);
    if need <= 0.0 {
        return (0..cover.len()).collect();
    }
    let spare = total * (1.0 - need) / need;
    let mut order: Vec<(usize, f32)> = cost.iter().copied().enumerate().collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut out = Vec::new();
    let mut cost = 0.0;
    for (i, c) in order {
        out.push(i);
        cost += c;
        if cost > spare * 1.0001 + 1e-6 {
            return out;
        }
    }
    out
}

/// Rarity weight of a token found in `df` of `n` listed names: 1 for a word no list uses,
/// down to 0.15 for the commonest.
fn rarity_of(df: u32, n: f32) -> f32 {
    ((n + 1.0) / (df as f32 + 1.0)).ln().max(0.0) / (n + 1.0).ln().max(1.0) * 0.85 + 0.15
}

/// Keeps the best hit per entity, best first.
fn finish(out: &mut Vec<Hit>) {
    if out.len() > 1 {
        out.sort_unstable_by(|a, b| a.entity.cmp(&b.entity).then(b.score.total_cmp(&a.score)));
        out.dedup_by_key(|h| h.entity);
        out.sort_unstable_by(|a, b| b.score.total_cmp(&a.score));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(name: &str, country: &str) -> Party<'static> {
        Party {
            name: Box::leak(name.to_string().into_boxed_str()),
            country: crate::list::country_code(country),
            address: "",
        }
    }

    #[test]
    fn index_and_naive_agree_on_the_fixture() {
        let s = Screener::build(ListSet::fixture());
        let mut scratch = s.scratch();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for name in [
            "KOMID",
            "Korea Minning Development Trading Corp.",
            "Thomas Wagner",
            "ЧВК Вагнер",
            "Bank Rosiya",
            "Jane Smith",
        ] {
            s.screen(&party(name, "CN"), &mut scratch, &mut a);
            s.screen_naive(&party(name, "CN"), &mut scratch, &mut b);
            assert_eq!(a, b, "{name}");
        }
        s.screen(
            &party("Korea Minning Development Trading Corp.", "CN"),
            &mut scratch,
            &mut a,
        );
        assert_eq!(a.len(), 1);
        assert!(
            s.explain(&a[0])
                .contains("Korea Mining Development Trading Corporation")
        );
        s.screen(&party("Thomas Wagner", "DE"), &mut scratch, &mut a);
        assert!(
            a.is_empty(),
            "{:?}",
            a.iter().map(|h| s.explain(h)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn keys_meet_within_one_edit() {
        let set = |t: &[u8]| {
            let mut v = Vec::new();
            keys(t, Keys::Fuzzy, false, |k| v.push(k));
            v
        };
        let shares = |a: &[u8], b: &[u8]| {
            let kb = set(b);
            set(a).iter().any(|k| kb.contains(k))
        };
        assert!(shares(b"komerkial", b"komersial"), "substitution");
        assert!(shares(b"komersal", b"komersial"), "deletion");
        assert!(shares(b"komresial", b"komersial"), "transposition");
        assert!(shares(b"muhamad", b"mohamed"), "vowels only: the skeleton");
        assert!(!shares(b"vagner", b"petrov"));
        assert!(!shares(b"om", b"am"), "short tokens are exact");
    }
}
