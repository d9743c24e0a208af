//! RFC 9162 Merkle tree hashing, the stored-hash layout, and inclusion and consistency proofs
//! computed from stored hashes (never by rehashing the log).
//!
//! Stored hashes: every complete subtree's hash, written in append order: leaf `n`'s hash, then
//! the hashes of the subtrees it completes, lowest first. This is the layout of Go's
//! `golang.org/x/mod/sumdb/tlog`, so the hash of the subtree at `level` and `index` (covering
//! leaves `index << level ..= ((index + 1) << level) - 1`) sits at `stored_hash_index(level,
//! index)`.

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// Hash of the empty tree.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// RFC 9162 leaf hash: SHA-256(0x00 || data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// RFC 9162 interior node hash: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 65];
    buf[0] = 1;
    buf[1..33].copy_from_slice(left);
    buf[33..].copy_from_slice(right);
    Sha256::digest(buf).into()
}

/// Position of the stored hash of subtree (`level`, `index`).
pub fn stored_hash_index(level: u32, index: u64) -> u64 {
    // The hash at (level, n) is written right after (level - 1, 2n + 1).
    let mut n = index;
    for _ in 0..level {
        n = 2 * n + 1;
    }
    // Leaf n is written after the n + n/2 + n/4 + ... hashes before it.
    let mut i = 0;
    let mut m = n;
    while m > 0 {
        i += m;
        m >>= 1;
    }
    i + u64::from(level)
}

/// Number of stored hashes for a tree of `size` leaves.
pub fn stored_hash_count(size: u64) -> u64 {
    if size == 0 {
        return 0;
    }
    // All hashes of the last leaf and the subtrees it completes.
    let mut count = stored_hash_index(0, size - 1) + 1;
    let mut i = size - 1;
    while i & 1 == 1 {
        count += 1;
        i >>= 1;
    }
    count
}

/// Reads stored hashes by position.
pub trait HashReader {
    /// The stored hashes at `positions`, in the same order.
    fn read_hashes(&self, positions: &[u64]) -> Result<Vec<Hash>, String>;
}

/// Largest power of two strictly below `n` (n >= 2).
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// Hash of the subtree over leaves `lo..hi`, from stored hashes: complete aligned subtrees are
/// read; ragged right edges are combined (at most log2(n) reads).
pub fn subtree_hash(r: &dyn HashReader, lo: u64, hi: u64) -> Result<Hash, String> {
    assert!(lo < hi);
    let n = hi - lo;
    if n.is_power_of_two() && lo.is_multiple_of(n) {
        let level = n.trailing_zeros();
        return Ok(r.read_hashes(&[stored_hash_index(level, lo >> level)])?[0]);
    }
    let k = split_point(n);
    Ok(node_hash(
        &subtree_hash(r, lo, lo + k)?,
        &subtree_hash(r, lo + k, hi)?,
    ))
}

/// Root of the tree of `size` leaves.
pub fn tree_root(r: &dyn HashReader, size: u64) -> Result<Hash, String> {
    if size == 0 {
        Ok(empty_root())
    } else {
        subtree_hash(r, 0, size)
    }
}

/// RFC 9162 inclusion proof of leaf `index` in the tree of `size` leaves.
pub fn inclusion_proof(r: &dyn HashReader, index: u64, size: u64) -> Result<Vec<Hash>, String> {
    if index >= size {
        return Err(format!("leaf {index} is not in a tree of size {size}"));
    }
    let mut proof = Vec::new();
    path(r, index, 0, size, &mut proof)?;
    Ok(proof)
}

fn path(r: &dyn HashReader, m: u64, lo: u64, hi: u64, out: &mut Vec<Hash>) -> Result<(), String> {
    let n = hi - lo;
    if n == 1 {
        return Ok(());
    }
    let k = split_point(n);
    if m - lo < k {
        path(r, m, lo, lo + k, out)?;
        out.push(subtree_hash(r, lo + k, hi)?);
    } else {
        path(r, m, lo + k, hi, out)?;
        out.push(subtree_hash(r, lo, lo + k)?);
    }
    Ok(())
}

/// RFC 9162 consistency proof between the trees of `old` and `new` leaves.
pub fn consistency_proof(r: &dyn HashReader, old: u64, new: u64) -> Result<Vec<Hash>, String> {
    if old > new {
        return Err(format!("old size {old} is larger than new size {new}"));
    }
    let mut proof = Vec::new();
    if old == 0 || old == new {
        return Ok(proof);
    }
    subproof(r, old, 0, new, true, &mut proof)?;
    Ok(proof)
}

fn subproof(
    r: &dyn HashReader,
    m: u64,
    lo: u64,
    hi: u64,
    complete: bool,
    out: &mut Vec<Hash>,
) -> Result<(), String> {
    let n = hi - lo;
    if m == n {
        if !complete {
            out.push(subtree_hash(r, lo, hi)?);
        }
        return Ok(());
    }
    let k = split_point(n);
    if m <= k {
        subproof(r, m, lo, lo + k, complete, out)?;
        out.push(subtree_hash(r, lo + k, hi)?);
    } else {
        subproof(r, m - k, lo + k, hi, false, out)?;
        out.push(subtree_hash(r, lo, lo + k)?);
    }
    Ok(())
}

/// Checks an inclusion proof (RFC 9162 section 2.1.3.2).
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && &r == root
}

/// Checks a consistency proof (RFC 9162 section 2.1.4.2).
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> bool {
    if old > new {
        return false;
    }
    if old == new {
        return proof.is_empty() && old_root == new_root;
    }
    if old == 0 {
        return proof.is_empty();
    }
    let mut proof: Vec<Hash> = proof.to_vec();
    if old.is_power_of_two() {
        proof.insert(0, *old_root);
    }
    let (mut f_n, mut s_n) = (old - 1, new - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let Some((first, rest)) = proof.split_first() else {
        return false;
    };
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    &fr == old_root && &sr == new_root && s_n == 0
}

/// The right edge of a growing tree: the complete subtrees of the binary decomposition of its
/// size, largest first. Appending a leaf yields the hashes to store, in stored order.
#[derive(Clone, Debug, Default)]
pub struct Frontier {
    /// (level, hash), levels strictly decreasing.
    stack: Vec<(u32, Hash)>,
    size: u64,
}

impl Frontier {
    /// Leaves so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Rebuilds the frontier of a tree of `size` leaves from stored hashes.
    pub fn load(r: &dyn HashReader, size: u64) -> Result<Frontier, String> {
        let mut stack = Vec::new();
        let mut lo = 0u64;
        for level in (0..64u32).rev() {
            if size & (1 << level) != 0 {
                stack.push((
                    level,
                    r.read_hashes(&[stored_hash_index(level, lo >> level)])?[0],
                ));
                lo += 1 << level;
            }
        }
        Ok(Frontier { stack, size })
    }

    /// Adds a leaf hash; pushes onto `stored` the leaf hash and every parent it completes.
    pub fn push(&mut self, leaf: Hash, stored: &mut Vec<Hash>) {
        stored.push(leaf);
        let mut h = leaf;
        let mut level = 0;
        while let Some(&(l, left)) = self.stack.last() {
            if l != level {
                break;
            }
            self.stack.pop();
            h = node_hash(&left, &h);
            level += 1;
            stored.push(h);
        }
        self.stack.push((level, h));
        self.size += 1;
    }

    /// Root of the tree so far.
    pub fn root(&self) -> Hash {
        let mut it = self.stack.iter().rev();
        let Some(&(_, mut h)) = it.next() else {
            return empty_root();
        };
        for (_, left) in it {
            h = node_hash(left, &h);
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// RFC 9162 MTH, straight from the definition.
    fn mth(leaves: &[Vec<u8>]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaf_hash(&leaves[0]),
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    struct Mem(Vec<Hash>);
    impl HashReader for Mem {
        fn read_hashes(&self, positions: &[u64]) -> Result<Vec<Hash>, String> {
            positions
                .iter()
                .map(|&p| {
                    self.0
                        .get(p as usize)
                        .copied()
                        .ok_or(format!("no hash {p}"))
                })
                .collect()
        }
    }

    fn build(n: usize) -> (Vec<Vec<u8>>, Mem, Frontier) {
        let leaves: Vec<Vec<u8>> = (0..n).map(|i| format!("entry {i}").into_bytes()).collect();
        let mut f = Frontier::default();
        let mut stored = Vec::new();
        for l in &leaves {
            f.push(leaf_hash(l), &mut stored);
        }
        (leaves, Mem(stored), f)
    }

    #[test]
    fn stored_layout_matches_go_tlog() {
        // Values from golang.org/x/mod/sumdb/tlog: StoredHashIndex(0, n) for n = 0..8 and the
        // counts for sizes 1..8.
        let idx: Vec<u64> = (0..8).map(|n| stored_hash_index(0, n)).collect();
        assert_eq!(idx, [0, 1, 3, 4, 7, 8, 10, 11]);
        assert_eq!(stored_hash_index(1, 0), 2);
        assert_eq!(stored_hash_index(2, 0), 6);
        let counts: Vec<u64> = (1..=8).map(stored_hash_count).collect();
        assert_eq!(counts, [1, 3, 4, 7, 8, 10, 11, 15]);
    }

    #[test]
    fn known_root_of_empty_and_one() {
        assert_eq!(
            empty_root(),
            [
                0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f,
                0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b,
                0x78, 0x52, 0xb8, 0x55
            ]
        );
    }

    proptest! {
        #[test]
        fn frontier_and_stored_hashes_agree_with_the_definition(n in 1usize..300) {
            let (leaves, mem, f) = build(n);
            prop_assert_eq!(mem.0.len() as u64, stored_hash_count(n as u64));
            for size in 1..=n {
                prop_assert_eq!(tree_root(&mem, size as u64).unwrap(), mth(&leaves[..size]));
            }
            prop_assert_eq!(f.root(), mth(&leaves));
            let reloaded = Frontier::load(&mem, n as u64).unwrap();
            prop_assert_eq!(reloaded.root(), f.root());
        }

        #[test]
        fn inclusion_proofs_verify_and_detect_changes(n in 1u64..300, pick in any::<u64>()) {
            let (leaves, mem, _) = build(n as usize);
            let i = pick % n;
            let root = tree_root(&mem, n).unwrap();
            let proof = inclusion_proof(&mem, i, n).unwrap();
            prop_assert!(verify_inclusion(&leaf_hash(&leaves[i as usize]), i, n, &proof, &root));
            prop_assert!(!verify_inclusion(&leaf_hash(b"forged"), i, n, &proof, &root));
            if n > 1 {
                prop_assert!(!verify_inclusion(&leaf_hash(&leaves[i as usize]), (i + 1) % n, n, &proof, &root));
            }
        }

        #[test]
        fn consistency_proofs_verify_and_detect_forks(new in 1u64..300, pick in any::<u64>()) {
            let (_, mem, _) = build(new as usize);
            let old = 1 + pick % new;
            let (old_root, new_root) = (tree_root(&mem, old).unwrap(), tree_root(&mem, new).unwrap());
            let proof = consistency_proof(&mem, old, new).unwrap();
            prop_assert!(verify_consistency(old, new, &old_root, &new_root, &proof));
            let forged = leaf_hash(b"other history");
            prop_assert!(!verify_consistency(old, new, &forged, &new_root, &proof) || old == new && forged == new_root);
        }
    }
}
