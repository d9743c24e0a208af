//! Names to comparable tokens: any script transliterated to Latin, folded so that the usual
//! spelling and transliteration variants meet (`Yevgeniy`/`Evgeny`, `Khalid`/`Halid`,
//! `Qaida`/`Kaida`, `Hemmat`/`Hemat`, `Wagner`/`Vagner`), company-form words (LTD, CO, LLC,
//! OOO, GMBH, ...) and stop words dropped, and each token classed by how much it says about
//! identity.
//!
//! Folding writes into reusable buffers: screening a name allocates nothing once the buffers
//! have grown.

/// Longest folded name kept, in bytes; the rest of a longer name is ignored.
pub const MAX_NAME_BYTES: usize = 120;
/// Most tokens kept from one name.
pub const MAX_TOKENS: usize = 16;

/// How much a token says about who a party is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Class {
    /// A name word.
    Word,
    /// A word common in company names (TRADING, GROUP, INTERNATIONAL, ...): weighs less.
    Generic,
    /// A particle of a personal name (AL, BIN, ABU, VAN, ...): weighs little.
    Particle,
    /// A patronymic (-OVICH, -EVNA, ...): lists carry it, manifests often drop it.
    Patronymic,
}

/// One token of a folded name: a range of `Folded::text`.
#[derive(Clone, Copy, Debug)]
pub struct Token {
    /// Start byte in `Folded::text`.
    pub start: u16,
    /// End byte (exclusive).
    pub end: u16,
    /// Its class.
    pub class: Class,
    /// Came from a script that does not write short vowels (Arabic, Persian): compare
    /// consonant skeletons too.
    pub abjad: bool,
}

/// A name reduced to folded tokens. `text` holds the tokens back to back (lower-case ASCII
/// letters and digits), which is also the name's joined form.
#[derive(Clone, Debug, Default)]
pub struct Folded {
    /// The tokens' bytes, back to back.
    pub text: String,
    /// The tokens.
    pub tokens: Vec<Token>,
}

impl Folded {
    /// Token `i`'s bytes.
    pub fn token(&self, i: usize) -> &[u8] {
        let t = self.tokens[i];
        &self.text.as_bytes()[usize::from(t.start)..usize::from(t.end)]
    }

    /// Empties the name, keeping its buffers.
    pub fn clear(&mut self) {
        self.text.clear();
        self.tokens.clear();
    }

    /// The tokens separated by spaces (for messages and tests).
    pub fn spaced(&self) -> String {
        (0..self.tokens.len())
            .map(|i| String::from_utf8_lossy(self.token(i)).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Legal-form words of companies in the languages manifests and lists use. Dropped.
const COMPANY_FORMS: &[&str] = &[
    "ab",
    "ad",
    "ag",
    "ao",
    "aps",
    "as",
    "bhd",
    "bv",
    "cjsc",
    "co",
    "company",
    "corp",
    "corporation",
    "cv",
    "dd",
    "doo",
    "eood",
    "fzc",
    "fzco",
    "fze",
    "gmbh",
    "inc",
    "incorporated",
    "jsc",
    "jv",
    "kft",
    "kg",
    "kk",
    "liability",
    "limited",
    "llc",
    "llp",
    "lp",
    "ltd",
    "mbh",
    "nv",
    "oao",
    "ojsc",
    "ooo",
    "oy",
    "oyj",
    "pao",
    "pjsc",
    "plc",
    "pte",
    "pty",
    "pvt",
    "sa",
    "sarl",
    "sas",
    "sdn",
    "spa",
    "srl",
    "sro",
    "tov",
    "zao",
    "zrt",
    "joint",
    "stock",
    "closed",
    "open",
    "public",
    "private",
];
/// Words that carry no identity at all. Dropped.
const STOP: &[&str] = &["a", "and", "et", "for", "in", "of", "on", "the", "und"];
/// Particles of personal names.
const PARTICLES: &[&str] = &[
    "abu", "abi", "al", "an", "ar", "at", "ad", "az", "bin", "ben", "bint", "ibn", "bn", "da",
    "de", "del", "der", "di", "du", "e", "el", "la", "le", "ul", "van", "von", "ye",
];
/// Words common in company and organisation names, each with the one form its variants fold
/// to (so INDUSTRY, INDUSTRIES and INDUSTRIAL match exactly).
#[rustfmt::skip]
const GENERIC: &[(&str, &str)] = &[
    ("associated", "associated"), ("association", "associated"), ("associates", "associated"),
    ("center", "centre"), ("centre", "centre"), ("chain", "chain"),
    ("commercial", "commercial"), ("concern", "concern"), ("development", "development"),
    ("ecommerce", "ecommerce"), ("electronic", "electronic"), ("electronics", "electronic"),
    ("enterprise", "enterprise"), ("enterprises", "enterprise"), ("export", "export"),
    ("foundation", "foundation"), ("garment", "garment"), ("garments", "garment"),
    ("general", "general"), ("global", "global"), ("group", "group"), ("gruppa", "group"),
    ("holding", "holding"), ("holdings", "holding"), ("household", "household"),
    ("import", "import"), ("industrial", "industry"), ("industries", "industry"),
    ("industry", "industry"), ("institute", "institute"), ("international", "international"),
    ("islamic", "islamic"), ("islami", "islamic"), ("eslami", "islamic"), ("aslami", "islamic"),
    ("logistics", "logistics"), ("management", "management"), ("mgmt", "management"),
    ("manufacturing", "manufacturing"), ("mfg", "manufacturing"), ("national", "national"),
    ("intl", "international"),
    ("network", "network"), ("organisation", "organisation"), ("organization", "organisation"),
    ("product", "product"), ("products", "product"), ("republic", "republic"),
    ("research", "research"), ("service", "service"), ("services", "service"),
    ("shipping", "shipping"), ("society", "society"), ("state", "state"), ("supply", "supply"),
    ("tech", "technology"), ("technologies", "technology"), ("technology", "technology"),
    ("trade", "trading"), ("trading", "trading"), ("works", "works"),
];
/// Endings of patronymics (Russian, Belarusian, Ukrainian; Turkic ogly/kyzy).
const PATRONYMIC_ENDINGS: &[&str] = &[
    "ovich", "evich", "ovych", "evych", "ovna", "evna", "ichna", "ogly", "oglu", "kyzy",
];

/// What the word lists say about a word.
#[derive(Clone, Copy)]
enum Known {
    /// A company form or stop word.
    Drop,
    /// A particle of a personal name.
    Particle,
    /// A generic word, with the form it folds to.
    Generic(&'static str),
}

/// The word lists as one table (built once): a lookup per word instead of scans.
fn words() -> &'static std::collections::HashMap<&'static str, Known> {
    static WORDS: std::sync::OnceLock<std::collections::HashMap<&'static str, Known>> =
        std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        let mut m = std::collections::HashMap::new();
        for (w, canon) in GENERIC {
            m.insert(*w, Known::Generic(canon));
        }
        for w in PARTICLES {
            m.insert(*w, Known::Particle);
        }
        for w in COMPANY_FORMS.iter().chain(STOP) {
            m.insert(*w, Known::Drop);
        }
        m
    })
}

/// Folds names; holds the buffers it reuses.
#[derive(Default)]
pub struct Folder {
    raw: Vec<u8>,
    abjad: bool,
    /// Single letters each followed by a dot (`S.H.I.G.`), joined into one token.
    initials: Vec<u8>,
}

/// What to do with one character.
enum Step {
    /// Append these lower-case ASCII bytes to the current word.
    Push(&'static str),
    /// Append one byte.
    Byte(u8),
    /// End the current word.
    Break,
    /// Nothing (apostrophes, vowel marks): words either side join.
    Skip,
    /// A full stop: ends the word, but a single letter before it may be an initial.
    Dot,
}

impl Folder {
    /// Folds `name` into `out` (cleared first).
    pub fn fold(&mut self, name: &str, out: &mut Folded) {
        out.clear();
        self.raw.clear();
        self.initials.clear();
        self.abjad = false;
        let mut chars = name.chars().peekable();
        while let Some(c) = chars.next() {
            if out.tokens.len() >= MAX_TOKENS || out.text.len() >= MAX_NAME_BYTES {
                break;
            }
            let step = if c.is_ascii() {
                ascii_step(c as u8)
            } else if is_arabic(c) {
                // The article: ال at the start of a word is its own token.
                if self.raw.is_empty() && c == 'ا' && chars.peek() == Some(&'ل') {
                    chars.next();
                    self.abjad = true;
                    self.raw.extend_from_slice(b"al");
                    self.finish(out);
                    continue;
                }
                self.abjad = true;
                arabic(c, self.raw.is_empty())
            } else if matches!(
                c,
                '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{02BB}' | '\u{200C}'
            ) {
                Step::Skip
            } else {
                match deunicode::deunicode_char(c) {
                    Some(s) => {
                        for b in s.bytes() {
                            match ascii_step(b) {
                                Step::Byte(b) => self.raw.push(b),
                                Step::Break | Step::Dot => self.finish(out),
                                _ => {}
                            }
                        }
                        continue;
                    }
                    None => Step::Break,
                }
            };
            match step {
                Step::Push(s) => self.raw.extend_from_slice(s.as_bytes()),
                Step::Byte(b) => self.raw.push(b),
                Step::Break => self.finish(out),
                Step::Dot if self.raw.len() == 1 && !self.abjad => {
                    self.initials.push(self.raw[0]);
                    self.raw.clear();
                }
                Step::Dot => self.finish(out),
                Step::Skip => {}
            }
        }
        self.finish(out);
        self.flush_initials(out);
    }

    /// Emits the pending initials as one token when there are two or more (an acronym
    /// written with dots); a lone initial (`J. Smith`) is dropped like any one-letter word.
    fn flush_initials(&mut self, out: &mut Folded) {
        if self.initials.len() >= 2 {
            let word = std::mem::take(&mut self.raw);
            self.raw.extend_from_slice(&self.initials);
            self.initials.clear();
            self.finish(out);
            self.raw = word;
        }
        self.initials.clear();
    }

    /// Ends the current word: classes it, folds it into `out` or drops it.
    fn finish(&mut self, out: &mut Folded) {
        if !self.initials.is_empty() && !self.raw.is_empty() {
            let pending = std::mem::take(&mut self.raw);
            self.flush_initials(out);
            self.raw = pending;
        }
        if self.raw.is_empty() {
            self.abjad = false;
            return;
        }
        let raw = std::str::from_utf8(&self.raw).unwrap_or("");
        let mut generic: Option<&'static str> = None;
        let class = match words().get(raw) {
            Some(Known::Drop) => None,
            Some(Known::Particle) => Some(Class::Particle),
            Some(Known::Generic(canon)) => {
                generic = Some(canon);
                Some(Class::Generic)
            }
            None if raw.len() > 6 && PATRONYMIC_ENDINGS.iter().any(|e| raw.ends_with(e)) => {
                Some(Class::Patronymic)
            }
            None => Some(Class::Word),
        };
        if let Some(canon) = generic {
            self.raw.clear();
            self.raw.extend_from_slice(canon.as_bytes());
        }
        if let Some(class) = class
            && out.tokens.len() < MAX_TOKENS
            && out.text.len() < MAX_NAME_BYTES
        {
            let start = out.text.len();
            fold_word(&self.raw, &mut out.text);
            out.text.truncate(MAX_NAME_BYTES);
            if out.text.len() > start {
                out.tokens.push(Token {
                    start: start as u16,
                    end: out.text.len() as u16,
                    class,
                    abjad: self.abjad,
                });
            }
        }
        self.raw.clear();
        self.abjad = false;
    }
}

fn ascii_step(b: u8) -> Step {
    match b {
        b'a'..=b'z' | b'0'..=b'9' => Step::Byte(b),
        b'A'..=b'Z' => Step::Byte(b.to_ascii_lowercase()),
        b'\'' | b'`' => Step::Skip,
        b'.' => Step::Dot,
        _ => Step::Break,
    }
}

fn is_arabic(c: char) -> bool {
    matches!(c, '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
}

/// Arabic and Persian letters in a simple transliteration that keeps the long vowels (the
/// short ones are not written; `Folded` marks such tokens so their consonant skeletons are
/// compared as well).
fn arabic(c: char, word_start: bool) -> Step {
    Step::Push(match c {
        'ا' | 'أ' | 'آ' | 'ٱ' | 'ى' => "a",
        'إ' => "i",
        'ب' => "b",
        'پ' => "p",
        'ت' | 'ط' => "t",
        'ث' => "th",
        'ج' => "j",
        'چ' => "ch",
        'ح' | 'ه' | 'ہ' | 'ھ' => "h",
        'خ' => "kh",
        'د' | 'ض' => "d",
        'ذ' => "dh",
        'ر' => "r",
        'ز' | 'ظ' => "z",
        'ژ' => "zh",
        'س' | 'ص' => "s",
        'ش' => "sh",
        'ع' => {
            if word_start {
                "a"
            } else {
                return Step::Skip;
            }
        }
        'غ' => "gh",
        'ف' => "f",
        'ق' => "q",
        'ك' | 'ک' => "k",
        'گ' => "g",
        'ل' => "l",
        'م' => "m",
        'ن' => "n",
        'ة' => "a",
        'و' | 'ؤ' => {
            if word_start {
                "w"
            } else {
                "u"
            }
        }
        'ي' | 'ی' | 'ئ' | 'ې' => {
            if word_start {
                "y"
            } else {
                "i"
            }
        }
        '٠'..='٩' => return Step::Byte(b'0' + (c as u32 - '٠' as u32) as u8),
        'ء' | 'ـ' | '\u{064B}'..='\u{065F}' | '\u{0670}' => return Step::Skip,
        _ => return Step::Break,
    })
}

/// Folds one lower-case ASCII word so that common spelling and transliteration variants
/// meet: kh→h, ph→f, th→t, dh→d, gh→g (not after n), tsch→ch, sch→sh, ck→k, c→s before e/i/y else k, q→k, w→v,
/// y/j→i, ou/oo→u, ee→i, and doubled letters once.
pub fn fold_word(raw: &[u8], out: &mut String) {
    let mut last = 0u8;
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        let next = raw.get(i + 1).copied().unwrap_or(0);
        let (emit, step): (&[u8], usize) = match (c, next) {
            (b'k', b'h') => (b"h", 2),
            (b'p', b'h') => (b"f", 2),
            (b't', b'h') => (b"t", 2),
            (b'd', b'h') => (b"d", 2),
            // Not after n: pinyin syllables meet there (Ronghong, Zhenghai).
            (b'g', b'h') if i == 0 || raw[i - 1] != b'n' => (b"g", 2),
            // German transliteration of Russian ч: Timtschenko, Kowaltschuk.
            (b't', b's') if raw.get(i + 2) == Some(&b'c') && raw.get(i + 3) == Some(&b'h') => {
                (b"ch", 4)
            }
            (b's', b'c') if raw.get(i + 2) == Some(&b'h') => (b"sh", 3),
            (b'c', b'h') => (b"ch", 2),
            (b'c', b'k') => (b"k", 2),
            (b'c', b'e' | b'i' | b'y') => (b"s", 1),
            (b'c', _) | (b'q', _) => (b"k", 1),
            (b'w', _) => (b"v", 1),
            (b'y' | b'j', _) => (b"i", 1),
            (b'o', b'u' | b'o') => (b"u", 2),
            (b'e', b'e') => (b"i", 2),
            _ => (std::slice::from_ref(&raw[i]), 1),
        };
        for &b in emit {
            if b != last {
                out.push(b as char);
                last = b;
            }
        }
        i += step;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> String {
        let mut out = Folded::default();
        Folder::default().fold(s, &mut out);
        out.spaced()
    }

    #[test]
    fn transliteration_variants_meet() {
        assert_eq!(
            f("Yevgeniy Prigozhin"),
            f("Evgenii Prigozhin").replacen("e", "ie", 1)
        );
        assert_eq!(f("Евгений Пригожин"), "evgeni prigozhin");
        assert_eq!(f("Wagner Group LLC"), "vagner grup");
        assert_eq!(f("ЧВК Вагнер"), "chvk vagner");
        assert_eq!(f("Al-Qaida"), f("Al Kaida"));
        assert_eq!(f("Shahid Hemmat"), "shahid hemat");
        assert_eq!(
            f("Korea Minning Development Trading Corp."),
            "korea mining development trading"
        );
        assert_eq!(f("Zoë Müller"), "zoe muler");
        assert_eq!(f("Bao'an District"), "baoan distrikt");
        assert_eq!(f("Rasheed"), f("Rashid"));
        assert_eq!(f("Kontsern Almaz-Antey OAO"), "kontsern almaz antei");
        assert_eq!(f("Gennadi Timtschenko"), "genadi timchenko");
        assert_eq!(f("S.H.I.G."), "shig");
        assert_eq!(f("J. Smith, Co., Ltd."), "smit");
        assert_eq!(
            f("S.A. Rossiya"),
            "rosia",
            "dotted company forms are company forms"
        );
    }

    #[test]
    fn scripts_are_transliterated() {
        assert_eq!(f("АБ Россия"), "rosia");
        assert_eq!(f("Bank Rossiya"), "bank rosia");
        assert_eq!(f("Белавиа"), "belavia");
        assert_eq!(f("中国"), "zhong guo");
        assert_eq!(f("القاعدة"), "al kada");
        assert_eq!(f("عبد الحكيم مراد"), "abd al hkim mrad");
    }

    #[test]
    fn classes() {
        let mut out = Folded::default();
        Folder::default().fold(
            "Gennady Nikolayevich Timchenko, Trading Co., Ltd., bin",
            &mut out,
        );
        let classes: Vec<Class> = out.tokens.iter().map(|t| t.class).collect();
        assert_eq!(
            classes,
            [
                Class::Word,
                Class::Patronymic,
                Class::Word,
                Class::Generic,
                Class::Particle
            ]
        );
    }

    #[test]
    fn long_names_are_cut_not_refused() {
        let long = "Very ".repeat(200);
        let mut out = Folded::default();
        Folder::default().fold(&long, &mut out);
        assert!(out.text.len() <= MAX_NAME_BYTES && out.tokens.len() <= MAX_TOKENS);
        Folder::default().fold("", &mut out);
        assert!(out.tokens.is_empty());
    }
}
