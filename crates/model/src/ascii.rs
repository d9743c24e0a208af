//! Fixed-capacity inline ASCII strings, so identifiers are `Copy` and cost no allocation.

use std::fmt;

/// Up to `N` ASCII bytes stored inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Ascii<const N: usize> {
    len: u8,
    buf: [u8; N],
}

impl<const N: usize> Ascii<N> {
    /// Copies `s`; the caller has already checked that it is ASCII and at most `N` bytes.
    pub(crate) fn new(s: &[u8]) -> Self {
        assert!(
            s.len() <= N && s.is_ascii(),
            "Ascii::new given unchecked input"
        );
        let mut buf = [0u8; N];
        buf[..s.len()].copy_from_slice(s);
        Ascii {
            len: s.len() as u8,
            buf,
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII is ever stored, so this cannot fail.
        std::str::from_utf8(&self.buf[..self.len as usize]).expect("ascii")
    }
}

impl<const N: usize> fmt::Debug for Ascii<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Implements `Display`, `Debug`, `FromStr`, `as_str` and string serde for an id newtype whose
/// constructor is `parse(&str) -> Result<Self, Invalid>`.
macro_rules! string_id {
    ($t:ty) => {
        impl $t {
            /// The canonical text form.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({})", stringify!($t), self.as_str())
            }
        }
        impl std::str::FromStr for $t {
            type Err = $crate::Invalid;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use string_id;
