//! RFC 9162 hashing, proofs over complete subtrees, and the RFC's proof verification
//! algorithms. Written for the verifier alone.

use crate::Failure;
use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

pub fn node_hash(l: &Hash, r: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(l);
    h.update(r);
    h.finalize().into()
}

/// Gives the hash of a complete subtree: `2^level` leaves starting at `index << level`.
pub trait Subtrees {
    fn complete(&self, level: u32, index: u64) -> Result<Hash, Failure>;
}

fn split(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

fn subtree(s: &dyn Subtrees, lo: u64, hi: u64) -> Result<Hash, Failure> {
    let n = hi - lo;
    if n.is_power_of_two() && lo.is_multiple_of(n) {
        return s.complete(n.trailing_zeros(), lo >> n.trailing_zeros());
    }
    let k = split(n);
    Ok(node_hash(
        &subtree(s, lo, lo + k)?,
        &subtree(s, lo + k, hi)?,
    ))
}

pub fn inclusion_proof(s: &dyn Subtrees, m: u64, n: u64) -> Result<Vec<Hash>, Failure> {
    fn go(s: &dyn Subtrees, m: u64, lo: u64, hi: u64, out: &mut Vec<Hash>) -> Result<(), Failure> {
        if hi - lo == 1 {
            return Ok(());
        }
        let k = split(hi - lo);
        if m - lo < k {
            go(s, m, lo, lo + k, out)?;
            out.push(subtree(s, lo + k, hi)?);
        } else {
            go(s, m, lo + k, hi, out)?;
            out.push(subtree(s, lo, lo + k)?);
        }
        Ok(())
    }
    let mut out = Vec::new();
    go(s, m, 0, n, &mut out)?;
    Ok(out)
}

pub fn consistency_proof(s: &dyn Subtrees, m: u64, n: u64) -> Result<Vec<Hash>, Failure> {
    fn go(
        s: &dyn Subtrees,
        m: u64,
        lo: u64,
        hi: u64,
        whole: bool,
        out: &mut Vec<Hash>,
    ) -> Result<(), Failure> {
        let n = hi - lo;
        if m == n {
            if !whole {
                out.push(subtree(s, lo, hi)?);
            }
            return Ok(());
        }
        let k = split(n);
        if m <= k {
            go(s, m, lo, lo + k, whole, out)?;
            out.push(subtree(s, lo + k, hi)?);
        } else {
            go(s, m - k, lo + k, hi, false, out)?;
            out.push(subtree(s, lo, lo + k)?);
        }
        Ok(())
    }
    let mut out = Vec::new();
    if m > 0 && m < n {
        go(s, m, 0, n, true, &mut out)?;
    }
    Ok(out)
}

/// RFC 9162 section 2.1.3.2.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fnn, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return false;
        }
        if fnn & 1 == 1 || fnn == sn {
            r = node_hash(p, &r);
            if fnn & 1 == 0 {
                while fnn & 1 == 0 && fnn != 0 {
                    fnn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnn >>= 1;
        sn >>= 1;
    }
    sn == 0 && &r == root
}

/// RFC 9162 section 2.1.4.2.
pub fn verify_consistency(m: u64, n: u64, old: &Hash, new: &Hash, proof: &[Hash]) -> bool {
    if m == 0 {
        return proof.is_empty();
    }
    if m == n {
        return proof.is_empty() && old == new;
    }
    if m > n {
        return false;
    }
    let mut p: Vec<Hash> = proof.to_vec();
    if m.is_power_of_two() {
        p.insert(0, *old);
    }
    let (mut fnn, mut sn) = (m - 1, n - 1);
    while fnn & 1 == 1 {
        fnn >>= 1;
        sn >>= 1;
    }
    let Some((first, rest)) = p.split_first() else {
        return false;
    };
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if sn == 0 {
            return false;
        }
        if fnn & 1 == 1 || fnn == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnn & 1 == 0 {
                while fnn & 1 == 0 && fnn != 0 {
                    fnn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnn >>= 1;
        sn >>= 1;
    }
    &fr == old && &sr == new && sn == 0
}
