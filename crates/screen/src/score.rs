//! The name scorer: how alike a folded party name and a folded list name are, from 0 to 1.
//!
//! Tokens are aligned in any order (reordered names score as written), each token to its most
//! similar counterpart by Jaro-Winkler; a token that matches two or three adjacent tokens of
//! the other name joined (`Nam Chon Gang` / `Namchongang`) counts as matched. Two coverages
//! come out: how much of the listed name the party's name covers, and how much of the party's
//! name the listed name explains, each weighted by how much a token says (rare words count
//! more than TRADING or a common first name; patronymics and particles little or nothing).
//! The score leans on the first: a listed name found whole inside a longer party name is a
//! strong signal; a party name sharing one word with a listed name is not.

use crate::text::{Class, Folded, Token};

/// Token similarity below this counts as no match at all.
pub const TOKEN_FLOOR: f32 = 0.82;
/// Share of the score given to covering the listed name (the rest: explaining the party's).
pub const LIST_SIDE: f32 = 0.75;
/// Weight of a particle (AL, BIN, VAN ...).
const PARTICLE_WEIGHT: f32 = 0.1;
/// A missing word of a listed person with three or more name words costs this share of its
/// weight (lists carry middle names that manifests drop).
pub const MISSING_MIDDLE: f32 = 0.5;

/// Jaro-Winkler similarity of two byte strings (only the first 128 bytes of each count).
pub fn jaro_winkler(a: &[u8], b: &[u8]) -> f32 {
    let a = &a[..a.len().min(128)];
    let b = &b[..b.len().min(128)];
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    let (la, lb) = (a.len(), b.len());
    let window = (la.max(lb) / 2).saturating_sub(1);
    let (mut am, mut bm) = (0u128, 0u128);
    let mut m = 0u32;
    for (i, &ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(lb);
        for (j, &cb) in b.iter().enumerate().take(hi).skip(lo) {
            if bm >> j & 1 == 0 && ca == cb {
                am |= 1 << i;
                bm |= 1 << j;
                m += 1;
                break;
            }
        }
    }
    if m == 0 {
        return 0.0;
    }
    let mut half_t = 0u32;
    let mut j = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        if am >> i & 1 == 1 {
            while bm >> j & 1 == 0 {
                j += 1;
            }
            if ca != b[j] {
                half_t += 1;
            }
            j += 1;
        }
    }
    let m = m as f32;
    let jaro = (m / la as f32 + m / lb as f32 + (m - half_t as f32 / 2.0) / m) / 3.0;
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count();
    jaro + prefix as f32 * 0.1 * (1.0 - jaro)
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// Edits (insertions, deletions, substitutions, adjacent transpositions) two tokens may differ
/// by and still match: none up to 4 letters, then 1, 2 from 9 letters, 3 from 13.
fn allowed_edits(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=8 => 1,
        9..=12 => 2,
        _ => 3,
    }
}

/// Optimal-string-alignment distance of `a` and `b` if it is at most `max`, else `max + 1`.
pub fn edits_within(a: &[u8], b: &[u8], max: usize) -> usize {
    let (a, b) = (&a[..a.len().min(63)], &b[..b.len().min(63)]);
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let w = b.len() + 1;
    let mut rows = [[0u8; 64]; 3];
    for (j, x) in rows[0].iter_mut().enumerate().take(w) {
        *x = j as u8;
    }
    for i in 1..=a.len() {
        let (r2, r1, r0) = ((i + 1) % 3, i % 3, (i + 2) % 3);
        rows[r1][0] = i as u8;
        let mut row_min = i as u8;
        for j in 1..w {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[r0][j] + 1)
                .min(rows[r1][j - 1] + 1)
                .min(rows[r0][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[r2][j - 2] + 1);
            }
            rows[r1][j] = d;
            row_min = row_min.min(d);
        }
        if usize::from(row_min) > max {
            return max + 1;
        }
    }
    usize::from(rows[a.len() % 3][b.len()]).min(max + 1)
}

/// Similarity of two tokens: Jaro-Winkler, for tokens within the edits their length allows
/// (short tokens must be equal), else 0. Tokens from Arabic or Persian script (no short vowels
/// written) also match on equal consonant skeletons.
pub fn token_sim(a: &[u8], b: &[u8], abjad: bool) -> f32 {
    if a == b {
        return 1.0;
    }
    let max = allowed_edits(a.len().max(b.len()));
    if max > 0 && edits_within(a, b, max) <= max {
        return jaro_winkler(a, b);
    }
    if abjad {
        let mut ka = [0u8; 64];
        let mut kb = [0u8; 64];
        let sk = |t: &[u8], k: &mut [u8; 64]| {
            let mut n = 0;
            for &c in t.iter().filter(|c| !is_vowel(**c)).take(64) {
                k[n] = c;
                n += 1;
            }
            n
        };
        let (na, nb) = (sk(a, &mut ka), sk(b, &mut kb));
        if na >= 2 && ka[..na] == kb[..nb] {
            return 0.9;
        }
    }
    0.0
}

/// What the scorer needs of one side's tokens: bytes, class, weight.
pub struct Side<'a> {
    /// The folded name.
    pub text: &'a [u8],
    /// Its tokens.
    pub tokens: &'a [Token],
    /// Weight of each token (see `Screener`).
    pub weights: &'a [f32],
}

impl Side<'_> {
    fn tok(&self, i: usize) -> &[u8] {
        let t = self.tokens[i];
        &self.text[usize::from(t.start)..usize::from(t.end)]
    }

    /// Tokens `i..i + n` joined, if they are adjacent in `text` (they always are).
    fn span(&self, i: usize, n: usize) -> &[u8] {
        let s = usize::from(self.tokens[i].start);
        let e = usize::from(self.tokens[i + n - 1].end);
        &self.text[s..e]
    }
}

impl<'a> Side<'a> {
    /// A side over a folded name and its weights.
    pub fn new(f: &'a Folded, weights: &'a [f32]) -> Side<'a> {
        Side {
            text: f.text.as_bytes(),
            tokens: &f.tokens,
            weights,
        }
    }
}

/// Aligns tokens one to one, most similar pairs first, then lets a token still unmatched
/// match two or three adjacent unmatched tokens of the other side joined. Fills the similarity
/// each token got.
fn align(q: &Side, l: &Side, bq: &mut [f32], bl: &mut [f32]) {
    const N: usize = crate::text::MAX_TOKENS;
    let mut pairs = [(0f32, 0u8, 0u8); N * N];
    let mut n = 0;
    for i in 0..q.tokens.len() {
        for j in 0..l.tokens.len() {
            let abjad = q.tokens[i].abjad || l.tokens[j].abjad;
            let s = token_sim(q.tok(i), l.tok(j), abjad);
            if s >= TOKEN_FLOOR {
                pairs[n] = (s, i as u8, j as u8);
                n += 1;
            }
        }
    }
    let pairs = &mut pairs[..n];
    pairs.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
    for &(s, i, j) in pairs.iter() {
        let (i, j) = (usize::from(i), usize::from(j));
        if bq[i] == 0.0 && bl[j] == 0.0 {
            bq[i] = s;
            bl[j] = s;
        }
    }
    merge(l, q, bl, bq);
    merge(q, l, bq, bl);
}

/// For each unmatched token of `a`, tries runs of 2-3 adjacent unmatched tokens of `b`
/// joined.
fn merge(a: &Side, b: &Side, ba: &mut [f32], bb: &mut [f32]) {
    for i in 0..a.tokens.len() {
        if ba[i] > 0.0 || a.tokens[i].end - a.tokens[i].start < 4 {
            continue;
        }
        for n in 2..=3usize {
            for k in 0..b.tokens.len().saturating_sub(n - 1) {
                if bb[k..k + n].iter().any(|x| *x > 0.0) {
                    continue;
                }
                let s = token_sim(a.tok(i), b.span(k, n), false);
                if s >= 0.9 && s > ba[i] {
                    ba[i] = s;
                    for x in bb.iter_mut().skip(k).take(n) {
                        *x = s;
                    }
                }
            }
        }
    }
}

fn credit(s: f32) -> f32 {
    if s >= TOKEN_FLOOR { s } else { 0.0 }
}

/// What leaving listed token `t` (weight `w`) unmatched costs the listed-name coverage, in a name
/// with `words` word tokens.
pub fn unmatched_cost(t: &Token, w: f32, person: bool, words: usize) -> f32 {
    match t.class {
        Class::Patronymic => 0.0,
        Class::Word if person && words >= 3 => w * MISSING_MIDDLE,
        _ => w,
    }
}

/// The score of party name `q` against listed name `l` (`person`: the listed party is a
/// natural person). 0 when either has no tokens.
pub fn score(q: &Side, l: &Side, person: bool) -> f32 {
    let (nq, nl) = (q.tokens.len(), l.tokens.len());
    if nq == 0 || nl == 0 {
        return 0.0;
    }
    let mut bq = [0f32; crate::text::MAX_TOKENS];
    let mut bl = [0f32; crate::text::MAX_TOKENS];
    align(q, l, &mut bq[..nq], &mut bl[..nl]);
    // How much of the party's name the listed name explains.
    let (mut got, mut all) = (0.0, 0.0);
    for i in 0..nq {
        let w = weight(q.tokens[i].class, q.weights[i]);
        got += w * credit(bq[i]);
        all += w;
    }
    let explained = if all > 0.0 { got / all } else { 0.0 };
    // How much of the listed name the party's name covers.
    let words = l.tokens.iter().filter(|t| t.class == Class::Word).count();
    let (mut got, mut all) = (0.0, 0.0);
    for j in 0..nl {
        let t = l.tokens[j];
        let w = weight(t.class, l.weights[j]);
        let c = credit(bl[j]);
        got += w * c;
        all += if c > 0.0 {
            w
        } else {
            unmatched_cost(&t, w, person, words)
        };
    }
    let covered = if all > 0.0 { got / all } else { 0.0 };
    let side = list_side(nl);
    side * covered + (1.0 - side) * explained
}

/// Share of the score given to covering the listed name. A listed name of one token (an
/// acronym such as OMM, a one-word name) says little alone, so the party's name must be
/// explained by it as much as it covers it.
pub fn list_side(listed_tokens: usize) -> f32 {
    if listed_tokens <= 1 { 0.5 } else { LIST_SIDE }
}

/// A token's weight in the coverages: its rarity weight, less for generic words, little for
/// particles.
pub fn weight(class: Class, rarity: f32) -> f32 {
    match class {
        Class::Word | Class::Patronymic => rarity,
        Class::Generic => rarity * 0.5,
        Class::Particle => PARTICLE_WEIGHT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Folder;

    fn s(q: &str, l: &str, person: bool) -> f32 {
        let mut fq = Folded::default();
        let mut fl = Folded::default();
        let mut f = Folder::default();
        f.fold(q, &mut fq);
        f.fold(l, &mut fl);
        let wq = vec![1.0; fq.tokens.len()];
        let wl = vec![1.0; fl.tokens.len()];
        score(&Side::new(&fq, &wq), &Side::new(&fl, &wl), person)
    }

    #[test]
    fn edit_distance_is_bounded() {
        assert_eq!(
            edits_within(b"komersial", b"komresial", 2),
            1,
            "a transposition is one edit"
        );
        assert_eq!(edits_within(b"prigozhin", b"prigoin", 2), 2);
        assert_eq!(
            edits_within(b"stan", b"ostanin", 1),
            2,
            "more than the bound: bound + 1"
        );
        assert_eq!(edits_within(b"", b"ab", 2), 2);
        assert_eq!(
            token_sim(b"ian", b"iang", false),
            0.0,
            "short tokens must be equal"
        );
        assert!(token_sim(b"iansen", b"liansen", false) > 0.9);
        assert_eq!(
            token_sim(b"hmt", b"hemat", true),
            0.9,
            "consonant skeletons"
        );
    }

    #[test]
    fn jaro_winkler_known_values() {
        // Winkler's examples.
        assert!((jaro_winkler(b"martha", b"marhta") - 0.961).abs() < 0.001);
        assert!((jaro_winkler(b"dixon", b"dicksonx") - 0.813).abs() < 0.001);
        assert_eq!(jaro_winkler(b"abc", b"abc"), 1.0);
        assert_eq!(jaro_winkler(b"", b"abc"), 0.0);
        assert_eq!(jaro_winkler(b"abc", b"xyz"), 0.0);
    }

    #[test]
    fn variants_score_high_and_look_alikes_low() {
        assert!(s("Timchenko Gennady", "Gennady Nikolayevich Timchenko", true) > 0.95);
        assert!(s("Genadiy Timchenko", "Gennady Nikolayevich Timchenko", true) > 0.9);
        assert!(s("Elena Timchenko", "Gennady Nikolayevich Timchenko", true) < 0.7);
        assert!(
            s(
                "Nam Chon Gang Trading Corp.",
                "Namchongang Trading Corporation",
                false
            ) > 0.9
        );
        assert!(s("Thomas Wagner", "Wagner Group", false) < 0.8);
        assert!(
            s(
                "Shanghai Chuangchuang Industrial",
                "Changhai Industrial",
                false
            ) < 0.88
        );
        assert!(
            s("Jan de Jong", "JANG Myong Myong", true) < 0.8,
            "one token matches one token"
        );
        assert!(s("Andreea Stan", "Andrei Nikolaevich Ostanin", true) < 0.8);
        assert!(s("Al-Rasheed Trust", "Al Rashid Trust", false) > 0.95);
        assert!(s("", "Al Rashid Trust", false) == 0.0);
    }
}
