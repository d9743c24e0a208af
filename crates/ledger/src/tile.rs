//! C2SP tlog-tiles paths: `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`, where `N` is
//! written in groups of three digits, all but the last prefixed with `x` (`x001/x234/067`).

/// Hashes (or entries) in a full tile.
pub const TILE_WIDTH: u64 = 256;
/// Tree levels per tile level.
pub const TILE_HEIGHT: u32 = 8;

/// A tile of hashes or an entry bundle, as named in a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TilePath {
    /// Tile level, or `None` for an entry bundle.
    pub level: Option<u8>,
    /// Tile index.
    pub index: u64,
    /// Width: 256 for a full tile, 1..=255 for a partial one.
    pub width: u16,
}

fn encode_index(mut n: u64) -> String {
    let mut groups = vec![format!("{:03}", n % 1000)];
    n /= 1000;
    while n > 0 {
        groups.push(format!("x{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

impl TilePath {
    /// The path under the log's prefix, e.g. `tile/0/x001/234.p/7`.
    pub fn to_path(&self) -> String {
        let level = self.level.map_or("entries".to_string(), |l| l.to_string());
        let partial = if u64::from(self.width) == TILE_WIDTH {
            String::new()
        } else {
            format!(".p/{}", self.width)
        };
        format!("tile/{level}/{}{partial}", encode_index(self.index))
    }

    /// Parses a path as served (without the log's prefix); `None` if it is not a tile path.
    pub fn parse(path: &str) -> Option<TilePath> {
        let rest = path.strip_prefix("tile/")?;
        let (level_part, rest) = rest.split_once('/')?;
        let level = if level_part == "entries" {
            None
        } else {
            let l: u8 = level_part.parse().ok()?;
            if level_part.len() > 2 || l > 63 {
                return None;
            }
            Some(l)
        };
        let (index_part, width) = match rest.split_once(".p/") {
            Some((i, w)) => {
                let w: u16 = w.parse().ok().filter(|w| (1..=255).contains(w))?;
                if w.to_string().len() != rest.len() - i.len() - 3 {
                    return None;
                }
                (i, w)
            }
            None => (rest, TILE_WIDTH as u16),
        };
        let groups: Vec<&str> = index_part.split('/').collect();
        let mut index: u64 = 0;
        for (k, g) in groups.iter().enumerate() {
            let digits = if k + 1 < groups.len() {
                g.strip_prefix('x')?
            } else {
                g
            };
            if digits.len() != 3 || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            index = index
                .checked_mul(1000)?
                .checked_add(digits.parse::<u64>().ok()?)?;
        }
        Some(TilePath {
            level,
            index,
            width,
        })
    }
}

/// The tiles a client needs for a tree of `size` entries at `level`: (index, width) pairs.
pub fn tiles_for_size(size: u64, level: u32) -> Vec<(u64, u16)> {
    let hashes = size >> (TILE_HEIGHT * level);
    let full = hashes / TILE_WIDTH;
    let mut out: Vec<(u64, u16)> = (0..full).map(|i| (i, TILE_WIDTH as u16)).collect();
    if !hashes.is_multiple_of(TILE_WIDTH) {
        out.push((full, (hashes % TILE_WIDTH) as u16));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip() {
        let cases = [
            (
                TilePath {
                    level: Some(0),
                    index: 1_234_067,
                    width: 256,
                },
                "tile/0/x001/x234/067",
            ),
            (
                TilePath {
                    level: Some(1),
                    index: 0,
                    width: 7,
                },
                "tile/1/000.p/7",
            ),
            (
                TilePath {
                    level: None,
                    index: 1000,
                    width: 256,
                },
                "tile/entries/x001/000",
            ),
            (
                TilePath {
                    level: None,
                    index: 5,
                    width: 255,
                },
                "tile/entries/005.p/255",
            ),
        ];
        for (t, p) in cases {
            assert_eq!(t.to_path(), p);
            assert_eq!(TilePath::parse(p), Some(t));
        }
        for bad in [
            "tile/0/1234",
            "tile/0/x1/234",
            "tile/0/001.p/0",
            "tile/0/001.p/256",
            "tile/0/001.p/07",
            "tile/x/001",
            "tile/64/001",
        ] {
            assert_eq!(TilePath::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn tiles_cover_the_tree() {
        assert_eq!(tiles_for_size(0, 0), vec![]);
        assert_eq!(tiles_for_size(600, 0), vec![(0, 256), (1, 256), (2, 88)]);
        assert_eq!(tiles_for_size(600, 1), vec![(0, 2)]);
        assert_eq!(tiles_for_size(65_536, 1), vec![(0, 256)]);
    }
}
