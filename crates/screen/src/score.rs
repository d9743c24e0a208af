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
/// Share of its rarity weight a generic word (TRADING, GROUP) keeps.
pub const GENERIC_WEIGHT: f32 = 0.35;
/// Weight of a particle (AL, BIN, VAN ...).
const PARTICLE_WEIGHT: f32 = 0.1;
/// A missing inner word (neither the first nor the last name word) of a listed person with
/// three or more name words costs this share of its weight (lists carry middle names that
/// manifests drop).
pub const MISSING_MIDDLE: f32 = 0.1;

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
/// by and still match, by the shorter one's length: none up to 4 letters (one for generic words
/// such as GROUP), then 1, 2 from 8 letters, 3 from 12.
fn allowed_edits(len: usize, lenient: bool) -> usize {
    match len {
        0..=3 => 0,
        4 => usize::from(lenient),
        5..=7 => 1,
        8..=11 => 2,
        _ => 3,
    }
}

/// The consonant skeleton of `t` into `k`: its first letter, then its consonants (vowels
/// dropped, a repeated consonant once, `ch` written `sh`: the French and the English
/// transliterations of Arabic and Persian ش); returns the length.
pub fn skeleton(t: &[u8], k: &mut [u8; 64]) -> usize {
    let mut n = 0;
    for (i, &c) in t.iter().take(64).enumerate() {
        let c = if c == b'c' && t.get(i + 1) == Some(&b'h') {
            b's'
        } else {
            c
        };
        if (i == 0 || !is_vowel(c)) && (n == 0 || k[n - 1] != c) {
            k[n] = c;
            n += 1;
        }
    }
    n
}

/// Whether `a` and `b` differ by exactly one edit (substitution, insertion, deletion or
/// adjacent transposition); linear, for the common case of one allowed edit.
fn one_edit(a: &[u8], b: &[u8]) -> bool {
    let (s, l) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let i = s.iter().zip(l).take_while(|(x, y)| x == y).count();
    if s.len() == l.len() {
        i < s.len()
            && (s[i + 1..] == l[i + 1..]
                || (i + 1 < s.len()
                    && s[i] == l[i + 1]
                    && s[i + 1] == l[i]
                    && s[i + 2..] == l[i + 2..]))
    } else {
        l.len() == s.len() + 1 && s[i..] == l[i + 1..]
    }
}

/// Optimal-string-alignment distance of `a` and `b` if it is at most `max`, else `max + 1`.
pub fn edits_within(a: &[u8], b: &[u8], max: usize) -> usize {
    let (a, b) = (&a[..a.len().min(63)], &b[..b.len().min(63)]);
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    if a == b {
        return 0;
    }
    if max == 1 {
        return if one_edit(a, b) { 1 } else { 2 };
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

/// How leniently two tokens are compared.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fuzz {
    /// One comes from Arabic or Persian script (short vowels not written).
    pub abjad: bool,
    /// One is a generic word (GROUP, TRADING): a typo is allowed even in four letters.
    pub lenient: bool,
    /// The listed name is syllabic: no consonant skeletons (vowels count), one edit at most
    /// (generic words excepted).
    pub syllabic: bool,
}

/// Similarity of two tokens: Jaro-Winkler, for tokens within the edits their length allows,
/// else 0; tokens whose consonant skeletons agree (three consonants or more, or two for tokens
/// from Arabic or Persian script, which do not write short vowels) match at 0.88 (0.9 for
/// those scripts) when the edits are too many.
pub fn token_sim(a: &[u8], b: &[u8], fuzz: Fuzz) -> f32 {
    let Fuzz {
        abjad,
        lenient,
        syllabic,
    } = fuzz;
    if a == b {
        return 1.0;
    }
    let shorter = a.len().min(b.len());
    // A plural: Green Pines / Green Pine.
    if shorter >= 4 && a.len().abs_diff(b.len()) == 1 {
        let (s, l) = if a.len() < b.len() { (a, b) } else { (b, a) };
        if l.ends_with(b"s") && &l[..s.len()] == s {
            return 0.95;
        }
    }
    let max = allowed_edits(shorter, lenient).min(if syllabic && !lenient { 1 } else { 3 });
    if max > 0 && a.len().abs_diff(b.len()) <= max && edits_within(a, b, max) <= max {
        return jaro_winkler(a, b);
    }
    // Skeletons keep the first letter (c of ch read as s): a cheap test first.
    let first = |t: &[u8]| {
        if t.starts_with(b"ch") { b's' } else { t[0] }
    };
    if !syllabic && (shorter >= 4 || abjad) && first(a) == first(b) {
        let mut ka = [0u8; 64];
        let mut kb = [0u8; 64];
        let (na, nb) = (skeleton(a, &mut ka), skeleton(b, &mut kb));
        if na >= if abjad { 2 } else { 3 } && ka[..na] == kb[..nb] {
            return if abjad { 0.9 } else { 0.88 };
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
fn align(q: &Side, l: &Side, syllabic: bool, bq: &mut [f32], bl: &mut [f32]) {
    const N: usize = crate::text::MAX_TOKENS;
    let mut pairs = [(0f32, 0u8, 0u8); N * N];
    let mut n = 0;
    for i in 0..q.tokens.len() {
        for j in 0..l.tokens.len() {
            let fuzz = Fuzz {
                abjad: q.tokens[i].abjad || l.tokens[j].abjad,
                lenient: q.tokens[i].class == Class::Generic || l.tokens[j].class == Class::Generic,
                syllabic,
            };
            let s = token_sim(q.tok(i), l.tok(j), fuzz);
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
    for (i, t) in a.tokens.iter().enumerate() {
        if ba[i] > 0.0 || t.end - t.start < 4 {
            continue;
        }
        for n in 2..=3usize {
            for k in 0..b.tokens.len().saturating_sub(n - 1) {
                if bb[k..k + n].iter().any(|x| *x > 0.0) {
                    continue;
                }
                let s = token_sim(a.tok(i), b.span(k, n), Fuzz::default());
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

/// What a listed name names, as far as the scorer cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Listed {
    /// A natural person (may carry middle names and patronymics a manifest drops).
    pub person: bool,
    /// Named in syllables (Korean, Chinese, Vietnamese names: Kim Jong Un, Guangzhou
    /// Shengda): every syllable counts, vowels too (no consonant skeletons), and a token may
    /// differ by one edit at most.
    pub syllabic: bool,
}

impl Listed {
    /// A company or other body, not syllabic.
    pub const ORGANISATION: Listed = Listed {
        person: false,
        syllabic: false,
    };
    /// A person, not syllabic.
    pub const PERSON: Listed = Listed {
        person: true,
        syllabic: false,
    };

    /// From the entity's kind and countries (East Asian countries name in syllables).
    pub fn of(kind: crate::Kind, countries: &[[u8; 2]]) -> Listed {
        const SYLLABIC: [&[u8; 2]; 8] = [b"KP", b"KR", b"CN", b"TW", b"HK", b"MO", b"VN", b"SG"];
        Listed {
            person: kind == crate::Kind::Person,
            syllabic: countries.iter().any(|c| SYLLABIC.contains(&c)),
        }
    }
}

/// What leaving each listed token unmatched costs the listed-name coverage (`weights`: the
/// tokens' weights in the coverage), into `out`: a patronymic nothing, an inner name word of a
/// person with three or more name words `MISSING_MIDDLE` of its weight, anything else its
/// weight. Syllabic names (by the person's country, or every word four letters or fewer) have
/// no optional middle: every syllable counts.
pub fn unmatched_costs(tokens: &[Token], weights: &[f32], listed: Listed, out: &mut [f32]) {
    let person = listed.person;
    let mut words = [0usize; crate::text::MAX_TOKENS];
    let mut n = 0;
    let mut syllabic = listed.syllabic || !person;
    let mut short = true;
    for (j, t) in tokens.iter().enumerate() {
        if t.class == Class::Word {
            words[n] = j;
            n += 1;
            short &= t.end - t.start <= 4;
        }
    }
    syllabic |= short;
    let inner = |j: usize| person && n >= 3 && !syllabic && words[0] != j && words[n - 1] != j;
    for (j, t) in tokens.iter().enumerate() {
        out[j] = match t.class {
            Class::Patronymic => 0.0,
            Class::Word if inner(j) => weights[j] * MISSING_MIDDLE,
            _ => weights[j],
        };
    }
}

/// The score of party name `q` against listed name `l`; 0 when either has no tokens.
pub fn score(q: &Side, l: &Side, listed: Listed) -> f32 {
    let (nq, nl) = (q.tokens.len(), l.tokens.len());
    if nq == 0 || nl == 0 {
        return 0.0;
    }
    let mut bq = [0f32; crate::text::MAX_TOKENS];
    let mut bl = [0f32; crate::text::MAX_TOKENS];
    align(q, l, listed.syllabic, &mut bq[..nq], &mut bl[..nl]);
    // How much of the party's name the listed name explains.
    let (mut got, mut all) = (0.0, 0.0);
    for ((t, rarity), best) in q.tokens.iter().zip(q.weights).zip(&bq[..nq]) {
        let w = weight(t.class, *rarity);
        got += w * credit(*best);
        all += w;
    }
    let explained = if all > 0.0 { got / all } else { 0.0 };
    // How much of the listed name the party's name covers.
    let mut w = [0f32; crate::text::MAX_TOKENS];
    let mut cost = [0f32; crate::text::MAX_TOKENS];
    for ((x, t), rarity) in w.iter_mut().zip(l.tokens).zip(l.weights) {
        *x = weight(t.class, *rarity);
    }
    unmatched_costs(l.tokens, &w[..nl], listed, &mut cost[..nl]);
    let (mut got, mut all) = (0.0, 0.0);
    for j in 0..nl {
        let c = credit(bl[j]);
        got += w[j] * c;
        all += if c > 0.0 { w[j] } else { cost[j] };
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
        Class::Generic => rarity * GENERIC_WEIGHT,
        Class::Particle => PARTICLE_WEIGHT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Folder;

    fn s(q: &str, l: &str, person: bool) -> f32 {
        let listed = if person {
            Listed::PERSON
        } else {
            Listed::ORGANISATION
        };
        let mut fq = Folded::default();
        let mut fl = Folded::default();
        let mut f = Folder::default();
        f.fold(q, &mut fq);
        f.fold(l, &mut fl);
        let wq = vec![1.0; fq.tokens.len()];
        let wl = vec![1.0; fl.tokens.len()];
        score(&Side::new(&fq, &wq), &Side::new(&fl, &wl), listed)
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
        for (a, b, d) in [
            (&b"komersial"[..], &b"komresial"[..], 1),
            (b"komersial", b"komersal", 1),
            (b"komersial", b"xomersial", 1),
            (b"komersial", b"komersiax", 1),
            (b"komersial", b"komersiall", 1),
            (b"komersial", b"kmoersila", 2),
            (b"abc", b"abc", 0),
        ] {
            assert_eq!(edits_within(a, b, 1), d, "{:?} {:?}", a, b);
            assert_eq!(edits_within(a, b, 3), d, "the general case agrees");
        }
        assert_eq!(
            token_sim(
                b"ian",
                b"iang",
                Fuzz {
                    abjad: false,
                    lenient: false,
                    syllabic: false
                }
            ),
            0.0,
            "short tokens must be equal"
        );
        assert_eq!(
            token_sim(
                b"kham",
                b"khamp",
                Fuzz {
                    abjad: false,
                    lenient: false,
                    syllabic: false
                }
            ),
            0.0,
            "by the shorter's length"
        );
        assert!(
            token_sim(
                b"grop",
                b"grup",
                Fuzz {
                    abjad: false,
                    lenient: true,
                    syllabic: false
                }
            ) > 0.8,
            "generic words are lenient"
        );
        assert!(
            token_sim(
                b"iansen",
                b"liansen",
                Fuzz {
                    abjad: false,
                    lenient: false,
                    syllabic: false
                }
            ) > 0.9
        );
        assert_eq!(
            token_sim(
                b"hmt",
                b"hemat",
                Fuzz {
                    abjad: true,
                    lenient: false,
                    syllabic: false
                }
            ),
            0.9,
            "consonant skeletons"
        );
        assert_eq!(
            token_sim(
                b"kuds",
                b"kods",
                Fuzz {
                    abjad: false,
                    lenient: false,
                    syllabic: false
                }
            ),
            0.88
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
        assert!(
            s("Ayman al-Zawahiri", "Aiman Muhammed Rabi al-Zawahiri", true) > 0.9,
            "middle names"
        );
        assert!(
            s("Yun Ho Jin", "Yun Chun Jin", true) < 0.8,
            "syllabic names: every syllable counts"
        );
        assert!(
            s("Yun Ho Jin", "O Jin Ho", true) < 0.8,
            "a one-letter surname counts"
        );
        assert!(
            s(
                "Green Pines Associated",
                "Green Pine Associated Corporation",
                false
            ) > 0.9
        );
        assert!(s("Al-Rasheed Trust", "Al Rashid Trust", false) > 0.95);
        assert!(s("", "Al Rashid Trust", false) == 0.0);
    }
}
