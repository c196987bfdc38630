//! The distribution functions and tests the monitor is built on: the two-sample
//! Kolmogorov–Smirnov test (as `scipy.stats.ks_2samp`), the Kolmogorov distributions
//! (as `scipy.stats.kstwo` and `scipy.special.kolmogorov`), the population stability index,
//! multiple-testing corrections (as `statsmodels.stats.multitest.multipletests`' `"holm"`
//! and `"fdr_bh"`) and the chi-square test of homogeneity (as `scipy.stats.chi2_contingency`).
//!
//! Everything is computed in `f64`. The p-values were checked against SciPy 1.17.1
//! (`tests/monitor.rs` lists the values and the snippets that produced them).
//!
//! References: Smirnov (1939) and Hodges (1958), "The significance probability of the Smirnov
//! two-sample test", for the exact two-sample distribution; Durbin (1968) with Marsaglia,
//! Tsang & Wang (2003), Pelz & Good (1976) and Simard & L'Ecuyer (2011), "Computing the
//! two-sided Kolmogorov–Smirnov distribution", for the one-sample distribution; Birnbaum &
//! Tingey (1951) for the one-sided one; Holm (1979); Benjamini & Hochberg (1995); Yurdakul
//! (2018), "Statistical properties of population stability index", for PSI.

use std::f64::consts::PI;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Largest sample size for which [`KsMethod::Auto`] computes the exact p-value, as SciPy's
/// `MAX_AUTO_N`: exact when `max(n, m) <= 10_000`, asymptotic otherwise.
pub const KS_MAX_AUTO_N: usize = 10_000;

/// How [`ks_2samp`] computes its p-value; the names and rules are `scipy.stats.ks_2samp`'s
/// `method` argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum KsMethod {
    /// Exact when both samples have at most [`KS_MAX_AUTO_N`] values, asymptotic otherwise
    /// (SciPy's default `'auto'`).
    #[default]
    Auto,
    /// The exact null distribution of the two-sample statistic (lattice-path counting,
    /// Hodges 1958). As SciPy does, falls back to [`KsMethod::Asymptotic`] when
    /// `lcm(n, m) >= 2³¹ − 1`, where the exact computation becomes too slow.
    Exact,
    /// The distribution of the one-sample statistic `D_k` with the effective sample size
    /// `k = round(n·m / (n + m))` (round half to even): `P = kstwo.sf(D, k)` — SciPy's
    /// `'asymp'`. See [`kstwo_sf`].
    Asymptotic,
}

/// The result of [`ks_2samp`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KsTest {
    /// `D = sup_x |F₁(x) − F₂(x)|` over the two empirical distribution functions.
    pub statistic: f64,
    /// `P(D' >= D)` under the null hypothesis that both samples come from the same
    /// continuous distribution (two-sided).
    pub p_value: f64,
    /// The method that produced the p-value: [`KsMethod::Exact`] or
    /// [`KsMethod::Asymptotic`] (never `Auto`).
    pub method: KsMethod,
}

/// The two-sample Kolmogorov–Smirnov test, two-sided, as `scipy.stats.ks_2samp(a, b,
/// method=...)`.
///
/// The statistic is computed exactly: both samples are sorted and walked together, and at
/// every distinct value `v` the empirical distribution functions `F₁(v) = #{aᵢ <= v}/n` and
/// `F₂(v) = #{bⱼ <= v}/m` are compared (ties, within or across samples, are therefore
/// handled as SciPy does). The largest difference is kept as the integer
/// `max |i·m − j·n|`, so `D` has no rounding error beyond the final division and the exact
/// p-value uses the exact lattice distance. See [`KsMethod`] for the p-value.
///
/// Errors: an empty sample ([`Error::EmptyInput`]) or a non-finite value
/// ([`Error::NonFinite`], naming the sample and index).
///
/// ```
/// use trustnn::monitor::stats::{ks_2samp, KsMethod};
/// let t = ks_2samp(&[1.0, 2.0, 3.0, 4.0], &[3.5, 4.5, 5.5], KsMethod::Auto)?;
/// assert!((t.statistic - 0.75).abs() < 1e-15);
/// // scipy.stats.ks_2samp([1, 2, 3, 4], [3.5, 4.5, 5.5]).pvalue == 0.22857142857142862 (= 8/35)
/// assert!((t.p_value - 8.0 / 35.0).abs() < 1e-12);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn ks_2samp(a: &[f64], b: &[f64], method: KsMethod) -> Result<KsTest> {
    for (name, s) in [("first", a), ("second", b)] {
        if s.is_empty() {
            return Err(Error::empty(format!("ks_2samp ({name} sample)")));
        }
        if let Some(i) = s.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                context: format!("ks_2samp ({name} sample)"),
                position: format!("index {i}"),
                value: s[i] as f32,
            });
        }
    }
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_unstable_by(f64::total_cmp);
    b.sort_unstable_by(f64::total_cmp);
    Ok(ks_2samp_sorted(&a, &b, method))
}

/// [`ks_2samp`] on samples that are already sorted ascending, non-empty and finite.
pub(crate) fn ks_2samp_sorted<T: PartialOrd + Copy>(a: &[T], b: &[T], method: KsMethod) -> KsTest {
    let diff = ks_max_lattice_diff(a, b);
    let (n, m) = (a.len() as u64, b.len() as u64);
    let statistic = diff as f64 / (n as f64 * m as f64);
    let (p_value, method) = ks_p_value(n, m, diff, method);
    KsTest {
        statistic,
        p_value,
        method,
    }
}

/// `max over distinct values v of |i·m − j·n|`, where `i = #{a <= v}`, `j = #{b <= v}`,
/// `n = |a|`, `m = |b|`: `n·m` times the KS statistic. Both slices sorted ascending.
fn ks_max_lattice_diff<T: PartialOrd + Copy>(a: &[T], b: &[T]) -> u128 {
    let (n, m) = (a.len() as i128, b.len() as i128);
    let (mut i, mut j) = (0usize, 0usize);
    let mut best: i128 = 0;
    while i < a.len() && j < b.len() {
        // The next distinct value of the merged sample; move past all its copies in both.
        let v = if a[i] <= b[j] { a[i] } else { b[j] };
        while i < a.len() && a[i] <= v {
            i += 1;
        }
        while j < b.len() && b[j] <= v {
            j += 1;
        }
        best = best.max((i as i128 * m - j as i128 * n).abs());
    }
    // Once one sample is exhausted its ECDF is 1 and the other's only grows towards 1, so the
    // difference only shrinks: the maximum has been seen.
    best as u128
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The two-sided p-value of a two-sample KS statistic `D = diff / (n·m)`.
fn ks_p_value(n: u64, m: u64, diff: u128, method: KsMethod) -> (f64, KsMethod) {
    let g = gcd(n, m);
    let (ng, mg) = (n / g, m / g);
    let mut method = match method {
        KsMethod::Auto if n.max(m) as usize <= KS_MAX_AUTO_N => KsMethod::Exact,
        KsMethod::Auto => KsMethod::Asymptotic,
        // SciPy: "If lcm(n1, n2) is too big, switch from exact to asymp".
        KsMethod::Exact if ng as f64 >= i32::MAX as f64 / mg as f64 => KsMethod::Asymptotic,
        other => other,
    };
    let p = if method == KsMethod::Exact {
        // With L = lcm(n, m) = n·m/g, D·L = diff/g is an integer: the lattice distance.
        let h = (diff / g as u128) as u64;
        if h == 0 {
            1.0
        } else if n == m {
            ks_exact_equal(n, h)
        } else {
            ks_exact_unequal(n, m, h)
        }
    } else {
        method = KsMethod::Asymptotic;
        let (big, small) = (n.max(m) as f64, n.min(m) as f64);
        let en = (big * small / (big + small)).round_ties_even().max(1.0) as u64;
        kstwo_sf(en, diff as f64 / (n as f64 * m as f64))
    };
    (p.clamp(0.0, 1.0), method)
}

/// `P(D_{n,n} >= h/n)` for two samples of equal size `n` (Gnedenko–Korolyuk):
/// `2·Σ_{k>=1} (−1)^{k+1} C(2n, n−kh) / C(2n, n)`, evaluated in nested (Horner) form
/// `2·A₀(1 − A₁(1 − A₂(1 − …)))` with `Aₖ = C(2n, n−(k+1)h) / C(2n, n−kh)`, which avoids the
/// cancellation of the alternating sum.
fn ks_exact_equal(n: u64, h: u64) -> f64 {
    let (nf, hf) = (n as f64, h as f64);
    let terms = n / h; // A_k for k >= terms contains a zero factor
    let mut nested = 0.0;
    for k in (0..terms).rev() {
        let kh = k as f64 * hf;
        let mut a = 1.0;
        for j in 0..h {
            let j = j as f64;
            a *= (nf - kh - j) / (nf + kh + j + 1.0);
        }
        nested = a * (1.0 - nested);
    }
    2.0 * nested
}

/// `P(D_{n,m} >= h/L)` for samples of different sizes, `L = lcm(n, m)`: the fraction of
/// monotone lattice paths from `(0, 0)` to `(n, m)` that touch the region
/// `|x·(m/g) − y·(n/g)| >= h` (Hodges 1958). Let `b(x, y)` be the fraction of the paths to
/// `(x, y)` that have touched it: `b = 1` outside the band, and inside it Pascal's recurrence
/// for the path counts, divided by `C(x+y, x)`, becomes the convex combination
/// `b(x, y) = (x·b(x−1, y) + y·b(x, y−1)) / (x + y)`. Computing this fraction directly
/// (rather than one minus the fraction that stays inside) keeps full relative precision for
/// tiny p-values; nothing overflows. Only the band is visited (outside it `b = 1`
/// implicitly): `O(n·m·D)` time, `O(min(n, m))` memory.
fn ks_exact_unequal(n: u64, m: u64, h: u64) -> f64 {
    // x runs over the larger sample; the column (indexed by y) has the smaller length.
    let (m, n) = if n >= m { (n, m) } else { (m, n) };
    let g = gcd(m, n) as i128;
    let (mg, ng, h) = (m as i128 / g, n as i128 / g, h as i128);
    // Inside: (x·ng − h) < y·mg < (x·ng + h).
    let y_lo = |x: i128| {
        let a = x * ng - h;
        if a < 0 { 0 } else { a / mg + 1 }
    };
    let y_hi = |x: i128| ((x * ng + h - 1) / mg).min(n as i128);
    // col[y] = b(x, y); entries above the band are outside (1) and stay 1 until they enter it.
    let mut col = vec![1.0f64; n as usize + 1];
    for v in &mut col[..=y_hi(0) as usize] {
        *v = 0.0; // the straight path (0, 0) → (0, y) inside the band never touched outside
    }
    for x in 1..=m as i128 {
        let (lo, hi) = (y_lo(x), y_hi(x));
        if lo > hi {
            return 1.0; // every path leaves the band
        }
        let xf = x as f64;
        let mut below = 1.0; // b(x, lo − 1): outside the band (its weight is 0 when lo = 0)
        for (y, v) in col[lo as usize..=hi as usize].iter_mut().enumerate() {
            let yf = (lo as usize + y) as f64;
            below = (xf * *v + yf * below) / (xf + yf);
            *v = below;
        }
        // Entries below `lo` are never read again (the band only moves up).
    }
    col[n as usize]
}

/// The survival function of the one-sample two-sided Kolmogorov–Smirnov statistic `D_n`
/// (continuous null distribution): `P(D_n >= d)`, as `scipy.stats.kstwo.sf(d, n)`.
///
/// Follows Simard & L'Ecuyer (2011) as SciPy does: the exact Ruben–Gambino formulas near
/// `d = 1/(2n)` and `d = 1`; twice the exact one-sided probability (Birnbaum–Tingey sum)
/// for `d >= 0.5` or large `n·d²` (`>= 4` for `n <= 140`, `>= 2.2` otherwise; 0 past
/// `n·d² >= 370`); else one minus the CDF from Durbin's matrix method (Marsaglia, Tsang &
/// Wang 2003) for `n <= 140`, or for `n <= 100_000` with `n·d^1.5 <= 1.4`, and from the
/// Pelz–Good asymptotic series otherwise. The one departure from SciPy: where SciPy uses
/// Pomeranz's recursion (`n <= 140`, `0.754693 < n·d² <= 4`), this uses Durbin's matrix
/// method, which is also exact.
///
/// ```
/// use trustnn::monitor::stats::kstwo_sf;
/// // scipy.stats.kstwo.sf(0.3, 10) == 0.27053557479999946
/// assert!((kstwo_sf(10, 0.3) - 0.27053557479999946).abs() < 1e-13);
/// ```
pub fn kstwo_sf(n: u64, d: f64) -> f64 {
    if d.is_nan() || n == 0 {
        return f64::NAN;
    }
    if d >= 1.0 {
        return 0.0;
    }
    if d <= 0.0 {
        return 1.0;
    }
    let nf = n as f64;
    let t = nf * d;
    let p = if t <= 1.0 {
        if t <= 0.5 {
            1.0
        } else {
            // Ruben–Gambino: P(D_n < d) = n!/nⁿ · (2t − 1)ⁿ for 1/(2n) < d <= 1/n.
            1.0 - (ln_factorial(n) - nf * nf.ln() + nf * (2.0 * t - 1.0).ln()).exp()
        }
    } else if t >= nf - 1.0 {
        2.0 * (1.0 - d).powf(nf)
    } else if d >= 0.5 {
        2.0 * smirnov_sf(n, d)
    } else {
        let nd2 = t * d;
        if n <= 140 {
            if nd2 <= 4.0 {
                1.0 - kolmogorov_cdf_durbin(n, d)
            } else {
                2.0 * smirnov_sf(n, d)
            }
        } else if nd2 >= 370.0 {
            0.0
        } else if nd2 >= 2.2 {
            2.0 * smirnov_sf(n, d)
        } else if n <= 100_000 && nf * d.powf(1.5) <= 1.4 {
            1.0 - kolmogorov_cdf_durbin(n, d)
        } else {
            1.0 - kolmogorov_cdf_pelz_good(n, d)
        }
    };
    p.clamp(0.0, 1.0)
}

/// `ln(n!)`.
fn ln_factorial(n: u64) -> f64 {
    libm::lgamma(n as f64 + 1.0)
}

/// `δ(k) = ln k! − (k ln k − k + ½ ln(2πk))`, the error of Stirling's formula, for `k >= 1`:
/// from `lgamma` for small `k` (where nothing cancels much), else from the Stirling series.
fn stirling_error(k: f64) -> f64 {
    if k <= 15.0 {
        libm::lgamma(k + 1.0) - (k * k.ln() - k + 0.5 * (2.0 * PI * k).ln())
    } else {
        let r = 1.0 / (k * k);
        (1.0 / 12.0 - r * (1.0 / 360.0 - r * (1.0 / 1260.0 - r * (1.0 / 1680.0 - r / 1188.0)))) / k
    }
}

/// `P(D_n⁺ >= d)`, the one-sided one-sample statistic (Birnbaum & Tingey 1951):
/// `d · Σ_{j=0}^{⌊n(1−d)⌋} C(n, j) (1 − d − j/n)^{n−j} (d + j/n)^{j−1}`. Every term is
/// positive, so the sum has no cancellation; each term's logarithm is formed without ever
/// computing `ln n!` (whose rounding alone would cost ~1e-10 relative at `n ~ 10⁵`): with
/// `p = d + j/n`, Stirling's formula turns `ln C(n, j) + j ln p + (n−j) ln(1−p)` into
/// `j·ln1p(nd/j) + (n−j)·ln1p(−nd/(n−j)) + ½ ln(n / (2πj(n−j))) + δ(n) − δ(j) − δ(n−j)`
/// (the same idea as Loader's 2000 binomial-density algorithm).
fn smirnov_sf(n: u64, d: f64) -> f64 {
    if d <= 0.0 {
        return 1.0;
    }
    if d >= 1.0 {
        return 0.0;
    }
    let nf = n as f64;
    let nd = nf * d;
    // j = 0: (1 − d)ⁿ · d⁻¹, times the leading d.
    let mut sum = nf * (-d).ln_1p() - d.ln();
    sum = sum.exp();
    let delta_n = stirling_error(nf);
    for j in 1..n {
        let (jf, rest) = (j as f64, (n - j) as f64);
        if rest - nd <= 0.0 {
            break; // 1 − d − j/n <= 0: this term and all later ones are 0
        }
        let ln_term = jf * (nd / jf).ln_1p()
            + rest * (-nd / rest).ln_1p()
            + 0.5 * (nf / (2.0 * PI * jf * rest)).ln()
            + delta_n
            - stirling_error(jf)
            - stirling_error(rest)
            - ((nd + jf) / nf).ln();
        sum += ln_term.exp();
    }
    (d * sum).min(1.0)
}

/// `P(D_n < d)` by Durbin's matrix method in Marsaglia, Tsang & Wang's form: with
/// `n·d = k − h` (`k` integer, `0 <= h < 1`) and the `(2k−1)²` matrix `H`,
/// `P = n!/nⁿ · (Hⁿ)_{k,k}`. `Hⁿ` is computed by repeated squaring with power-of-two
/// rescaling, so nothing overflows.
fn kolmogorov_cdf_durbin(n: u64, d: f64) -> f64 {
    let nd = n as f64 * d;
    if d >= 1.0 {
        return 1.0;
    }
    if nd <= 0.5 {
        return 0.0;
    }
    let k = nd.ceil() as usize;
    let h = k as f64 - nd;
    let size = 2 * k - 1;
    // inv_fact[r] = 1/r!
    let mut inv_fact = vec![1.0f64; size + 1];
    for r in 1..=size {
        inv_fact[r] = inv_fact[r - 1] / r as f64;
    }
    let mut hm = vec![0.0f64; size * size];
    for i in 0..size {
        for j in 0..=(i + 1).min(size - 1) {
            hm[i * size + j] = inv_fact[i + 1 - j];
        }
    }
    for i in 0..size {
        hm[i * size] = (1.0 - h.powi(i as i32 + 1)) * inv_fact[i + 1];
        let j = size - 1 - i; // last row, column j: (1 − h^{size−j}) / (size−j)!
        hm[(size - 1) * size + j] = (1.0 - h.powi((size - j) as i32)) * inv_fact[size - j];
    }
    let corner = 1.0 - 2.0 * h.powi(size as i32) + (2.0 * h - 1.0).max(0.0).powi(size as i32);
    hm[(size - 1) * size] = corner * inv_fact[size];

    const SCALE_EXP: i32 = 128;
    let scale = libm::ldexp(1.0, SCALE_EXP);
    let mut result = vec![0.0f64; size * size];
    for i in 0..size {
        result[i * size + i] = 1.0;
    }
    let (mut result_exp, mut base_exp) = (0i64, 0i64);
    let mut tmp = vec![0.0f64; size * size];
    let mut e = n;
    let kk = (k - 1) * size + (k - 1);
    while e > 0 {
        if e & 1 == 1 {
            mat_mul(&result, &hm, &mut tmp, size);
            std::mem::swap(&mut result, &mut tmp);
            result_exp += base_exp;
        }
        e >>= 1;
        if e > 0 {
            mat_mul(&hm, &hm, &mut tmp, size);
            std::mem::swap(&mut hm, &mut tmp);
            base_exp *= 2;
            if hm[kk].abs() > scale {
                hm.iter_mut().for_each(|v| *v /= scale);
                base_exp += SCALE_EXP as i64;
            }
        }
    }
    // Multiply by n!/nⁿ one factor at a time, rescaling to stay clear of underflow.
    let mut p = result[kk];
    let mut p_exp = result_exp;
    let nf = n as f64;
    for i in 1..=n {
        p = p * i as f64 / nf;
        if p.abs() < 1.0 / scale {
            p *= scale;
            p_exp -= SCALE_EXP as i64;
        }
    }
    libm::ldexp(p, p_exp.clamp(i32::MIN as i64, i32::MAX as i64) as i32).clamp(0.0, 1.0)
}

/// `out = a · b` for row-major `size × size` matrices.
fn mat_mul(a: &[f64], b: &[f64], out: &mut [f64], size: usize) {
    out.fill(0.0);
    for (out_row, a_row) in out.chunks_exact_mut(size).zip(a.chunks_exact(size)) {
        for (&aik, b_row) in a_row.iter().zip(b.chunks_exact(size)) {
            if aik != 0.0 {
                out_row
                    .iter_mut()
                    .zip(b_row)
                    .for_each(|(o, &bkj)| *o += aik * bkj);
            }
        }
    }
}

/// `P(D_n <= d)` by the Pelz–Good (1976) asymptotic series
/// `K₀(z) + K₁(z)/√n + K₂(z)/n + K₃(z)/n^{3/2}`, `z = d√n`, in the form given by Simard &
/// L'Ecuyer (2011), suited to small `z`.
fn kolmogorov_cdf_pelz_good(n: u64, d: f64) -> f64 {
    if d <= 0.0 {
        return 0.0;
    }
    if d >= 1.0 {
        return 1.0;
    }
    let z = (n as f64).sqrt() * d;
    let (z2, z4, z6) = (z * z, z.powi(4), z.powi(6));
    let (pi2, pi4, pi6) = (PI * PI, PI.powi(4), PI.powi(6));
    if -pi2 / (8.0 * z2) < -708.0 {
        return 0.0;
    }
    // Sums over odd m = 2k − 1 of c(m)·exp(−m²π²/(8z²)).
    let mut k = [0.0f64; 4];
    let mut m = 1.0f64;
    loop {
        let expo = -m * m * pi2 / (8.0 * z2);
        if expo < -745.0 {
            break;
        }
        let q = expo.exp();
        let (m2, m4, m6) = (m * m, m.powi(4), m.powi(6));
        k[0] += q;
        k[1] += (pi2 * m2 / 4.0 - z2) * q;
        k[2] += (6.0 * z6
            + 2.0 * z4
            + (2.0 * z4 - 5.0 * z2) * pi2 * m2 / 4.0
            + pi4 * (1.0 - 2.0 * z2) * m4 / 16.0)
            * q;
        k[3] += (pi6 * (5.0 - 30.0 * z2) * m6 / 64.0
            + pi4 * (212.0 * z4 - 60.0 * z2) * m4 / 16.0
            + pi2 * (135.0 * z4 - 96.0 * z6) * m2 / 4.0
            - 30.0 * z6
            - 90.0 * z6 * z2)
            * q;
        m += 2.0;
    }
    let s = (2.0 * PI).sqrt();
    k[0] *= s / z;
    k[1] *= s / (6.0 * z4);
    k[2] *= s / (72.0 * z6 * z);
    k[3] *= s / (6480.0 * z6 * z4);
    // Sums over all integers j >= 1 of j²·exp(−j²π²/(2z²)) (K₂) and
    // (3z² − π²j²)·j²·exp(−j²π²/(2z²)) (K₃).
    let (mut s2, mut s3) = (0.0, 0.0);
    let mut j = 1.0f64;
    loop {
        let expo = -j * j * pi2 / (2.0 * z2);
        if expo < -745.0 {
            break;
        }
        let q = expo.exp();
        s2 += j * j * q;
        s3 += (3.0 * z2 - pi2 * j * j) * j * j * q;
        j += 1.0;
    }
    k[2] -= pi2 * s / (36.0 * z2 * z) * s2;
    k[3] += pi2 * s / (216.0 * z6) * s3;
    let sn = (n as f64).sqrt();
    (k[0] + k[1] / sn + k[2] / (sn * sn) + k[3] / (sn * sn * sn)).clamp(0.0, 1.0)
}

/// The survival function of Kolmogorov's limiting distribution,
/// `Q_KS(λ) = 2 Σ_{k>=1} (−1)^{k−1} exp(−2k²λ²)`, as `scipy.special.kolmogorov(λ)` (=
/// `scipy.stats.kstwobign.sf`). For `λ < 1` the equivalent Jacobi-theta form
/// `1 − (√(2π)/λ) Σ_{k>=1} exp(−(2k−1)²π²/(8λ²))` is summed instead, which converges fast
/// there. The two-sample test does not use it (see [`KsMethod::Asymptotic`]); it is here for
/// the common large-sample approximation `Q_KS(√(nm/(n+m))·D)`.
///
/// ```
/// use trustnn::monitor::stats::kolmogorov_sf;
/// // scipy.special.kolmogorov(1.0) == 0.26999967167735456
/// assert!((kolmogorov_sf(1.0) - 0.26999967167735456).abs() < 1e-15);
/// ```
pub fn kolmogorov_sf(lambda: f64) -> f64 {
    if lambda.is_nan() {
        return f64::NAN;
    }
    if lambda <= 0.0 {
        return 1.0;
    }
    if lambda < 1.0 {
        let mut sum = 0.0;
        let mut m = 1.0f64;
        loop {
            let expo = -m * m * PI * PI / (8.0 * lambda * lambda);
            if expo < -745.0 {
                break;
            }
            sum += expo.exp();
            m += 2.0;
        }
        (1.0 - (2.0 * PI).sqrt() / lambda * sum).clamp(0.0, 1.0)
    } else {
        let mut sum = 0.0;
        let mut sign = 1.0;
        for k in 1..=100 {
            let term = (-2.0 * (k * k) as f64 * lambda * lambda).exp();
            if term == 0.0 {
                break;
            }
            sum += sign * term;
            sign = -sign;
        }
        (2.0 * sum).clamp(0.0, 1.0)
    }
}

/// The common interpretation bands of the population stability index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PsiBand {
    /// `PSI < 0.1`: no significant change.
    NoSignificantChange,
    /// `0.1 <= PSI <= 0.25`: a moderate change, worth a look.
    Moderate,
    /// `PSI > 0.25`: a significant change.
    Significant,
}

impl PsiBand {
    /// The band of a PSI value (`< 0.1`, `0.1 ..= 0.25`, `> 0.25`).
    pub fn of(psi: f64) -> PsiBand {
        if psi < 0.1 {
            PsiBand::NoSignificantChange
        } else if psi <= 0.25 {
            PsiBand::Moderate
        } else {
            PsiBand::Significant
        }
    }
}

impl fmt::Display for PsiBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            PsiBand::NoSignificantChange => "none",
            PsiBand::Moderate => "moderate",
            PsiBand::Significant => "significant",
        })
    }
}

/// The population stability index of two binned distributions,
/// `PSI = Σᵢ (aᵢ − eᵢ)·ln(aᵢ / eᵢ)` with `e` the expected (reference) and `a` the actual
/// proportions; every proportion below `epsilon` is raised to `epsilon` first (no
/// renormalization), so an empty bin contributes a large but finite amount. PSI is the
/// symmetrized Kullback–Leibler divergence `KL(a‖e) + KL(e‖a)` (Yurdakul 2018).
///
/// Errors: different lengths, an empty slice, a negative or non-finite proportion, or an
/// `epsilon` outside `(0, 1)`.
///
/// ```
/// use trustnn::monitor::stats::psi;
/// // (0.6 − 0.5)·ln(0.6/0.5) + (0.4 − 0.5)·ln(0.4/0.5) = 0.0405465…
/// let v = psi(&[0.5, 0.5], &[0.6, 0.4], 1e-4)?;
/// assert!((v - (0.1 * (1.2f64).ln() - 0.1 * (0.8f64).ln())).abs() < 1e-15);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn psi(expected: &[f64], actual: &[f64], epsilon: f64) -> Result<f64> {
    if !(epsilon > 0.0 && epsilon < 1.0) {
        return Err(Error::config("psi.epsilon", epsilon, "must be in (0, 1)"));
    }
    if expected.is_empty() {
        return Err(Error::empty("psi (expected proportions)"));
    }
    if expected.len() != actual.len() {
        return Err(Error::shape(
            "psi (actual proportions)",
            format!("{} bins like the expected proportions", expected.len()),
            &[actual.len()],
        ));
    }
    for (name, s) in [("expected", expected), ("actual", actual)] {
        if let Some(i) = s.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(Error::config(
                format!("psi ({name} proportions)[{i}]"),
                s[i],
                "proportions must be finite and >= 0",
            ));
        }
    }
    Ok(psi_unchecked(expected, actual, epsilon))
}

/// [`psi`] without the checks.
pub(crate) fn psi_unchecked(expected: &[f64], actual: &[f64], epsilon: f64) -> f64 {
    expected
        .iter()
        .zip(actual)
        .map(|(&e, &a)| {
            let (e, a) = (e.max(epsilon), a.max(epsilon));
            (a - e) * (a / e).ln()
        })
        .sum()
}

/// A correction of p-values for testing several hypotheses at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Correction {
    /// Holm's step-down method (Holm 1979): controls the family-wise error rate (the chance of
    /// any false alarm) at α, uniformly more powerful than Bonferroni. The default.
    #[default]
    Holm,
    /// Benjamini & Hochberg's step-up method (1995): controls the false discovery rate (the
    /// expected share of false alarms among the alarms) at α, for independent or positively
    /// dependent tests.
    BenjaminiHochberg,
    /// No correction: each p-value is compared to α as it is.
    None,
}

impl Correction {
    /// The adjusted p-values, in the input's order; see [`holm`] and [`benjamini_hochberg`].
    pub fn adjust(&self, p_values: &[f64]) -> Vec<f64> {
        match self {
            Correction::Holm => holm(p_values),
            Correction::BenjaminiHochberg => benjamini_hochberg(p_values),
            Correction::None => p_values.to_vec(),
        }
    }
}

impl fmt::Display for Correction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Correction::Holm => "Holm",
            Correction::BenjaminiHochberg => "Benjamini-Hochberg",
            Correction::None => "no correction",
        })
    }
}

/// The ranks of `p` by ascending value (stable, so ties keep their input order).
fn ascending_order(p: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    order
}

/// Holm-adjusted p-values, as statsmodels' `multipletests(p, method="holm")`: with the
/// `m` p-values sorted ascending, `p̃₍ᵢ₎ = min(1, max_{j<=i} (m − j + 1)·p₍ⱼ₎)` (1-based).
/// Rejecting every hypothesis with `p̃ < α` is Holm's procedure.
///
/// ```
/// use trustnn::monitor::stats::holm;
/// let adj = holm(&[0.01, 0.04, 0.03]);
/// // sorted 0.01, 0.03, 0.04 → 3·0.01, max(0.03, 2·0.03), max(0.06, 1·0.04)
/// assert_eq!(adj.iter().map(|v| (v * 1e12).round() / 1e12).collect::<Vec<_>>(), vec![0.03, 0.06, 0.06]);
/// ```
pub fn holm(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut out = vec![0.0; m];
    let mut running = 0.0f64;
    for (rank, &i) in ascending_order(p_values).iter().enumerate() {
        running = running.max(((m - rank) as f64 * p_values[i]).min(1.0));
        out[i] = running;
    }
    out
}

/// Benjamini–Hochberg-adjusted p-values, as statsmodels' `multipletests(p,
/// method="fdr_bh")`: with the `m` p-values sorted ascending,
/// `p̃₍ᵢ₎ = min(1, min_{j>=i} m·p₍ⱼ₎ / j)` (1-based).
///
/// ```
/// use trustnn::monitor::stats::benjamini_hochberg;
/// let adj = benjamini_hochberg(&[0.01, 0.04, 0.03]);
/// // sorted 0.01, 0.03, 0.04 → min(3·0.01/1, …) = 0.03; min(3·0.03/2, 3·0.04/3) = 0.04; 0.04
/// assert_eq!(adj.iter().map(|v| (v * 1e12).round() / 1e12).collect::<Vec<_>>(), vec![0.03, 0.04, 0.04]);
/// ```
pub fn benjamini_hochberg(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut out = vec![0.0; m];
    let mut running = 1.0f64;
    let order = ascending_order(p_values);
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(m as f64 * p_values[i] / (rank + 1) as f64);
        out[i] = running;
    }
    out
}

/// The survival function of the chi-square distribution with `dof` degrees of freedom,
/// `P(χ² >= x)`, as `scipy.stats.chi2.sf(x, dof)`. For even `dof` it is the Poisson sum
/// `e^{−x/2} Σ_{k<dof/2} (x/2)^k / k!`; for odd `dof`,
/// `erfc(√(x/2)) + Σ_{j<(dof−1)/2} (x/2)^{j+½} e^{−x/2} / Γ(j + 3/2)`. All terms are positive
/// and computed in log space, so there is no cancellation or underflow of the sum's body.
/// `dof = 0` gives 1 (SciPy's convention for a degenerate contingency table).
///
/// ```
/// use trustnn::monitor::stats::chi2_sf;
/// // scipy.stats.chi2.sf(3.0, 2) == exp(-1.5)
/// assert!((chi2_sf(3.0, 2) - (-1.5f64).exp()).abs() < 1e-16);
/// ```
pub fn chi2_sf(x: f64, dof: usize) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if dof == 0 || x <= 0.0 {
        return 1.0;
    }
    let half = x / 2.0;
    let ln_half = half.ln();
    let mut sum = 0.0;
    if dof.is_multiple_of(2) {
        let mut ln_fact = 0.0; // ln k!
        for k in 0..dof / 2 {
            if k > 0 {
                ln_fact += (k as f64).ln();
            }
            sum += (k as f64 * ln_half - half - ln_fact).exp();
        }
    } else {
        sum += libm::erfc(half.sqrt());
        let mut ln_gamma = (PI.sqrt() / 2.0).ln(); // ln Γ(3/2)
        for j in 0..(dof - 1) / 2 {
            if j > 0 {
                ln_gamma += (j as f64 + 0.5).ln();
            }
            sum += ((j as f64 + 0.5) * ln_half - half - ln_gamma).exp();
        }
    }
    sum.clamp(0.0, 1.0)
}

/// The result of [`chi_square_homogeneity`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChiSquareTest {
    /// Pearson's statistic `Σ (O − E)² / E` (with Yates' correction when `dof == 1`).
    pub statistic: f64,
    /// Degrees of freedom: the number of categories seen in either sample, minus one.
    pub dof: usize,
    /// `P(χ²_dof >= statistic)`.
    pub p_value: f64,
}

/// Pearson's chi-square test that two samples of a categorical variable come from the same
/// distribution: the test of independence on the `2 × k` table of counts, as
/// `scipy.stats.chi2_contingency([a, b])` with its default `correction=True` (Yates'
/// continuity correction — each observed count moved by up to 0.5 towards its expected
/// count — when there is one degree of freedom). Categories with no count in either sample
/// are dropped first (SciPy refuses a table with a zero expected count).
///
/// Errors: different lengths, or a sample with no counts at all.
///
/// ```
/// use trustnn::monitor::stats::chi_square_homogeneity;
/// let t = chi_square_homogeneity(&[30, 20, 50], &[20, 30, 50])?;
/// assert_eq!(t.dof, 2);
/// // scipy.stats.chi2_contingency([[30, 20, 50], [20, 30, 50]]) → statistic 4.0, p = exp(−2)
/// assert!((t.statistic - 4.0).abs() < 1e-12 && (t.p_value - (-2.0f64).exp()).abs() < 1e-15);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn chi_square_homogeneity(a: &[u64], b: &[u64]) -> Result<ChiSquareTest> {
    if a.len() != b.len() {
        return Err(Error::shape(
            "chi_square_homogeneity (second sample)",
            format!("{} categories like the first", a.len()),
            &[b.len()],
        ));
    }
    let (na, nb) = (a.iter().sum::<u64>() as f64, b.iter().sum::<u64>() as f64);
    if na == 0.0 || nb == 0.0 {
        return Err(Error::empty("chi_square_homogeneity (a sample without counts)"));
    }
    let n = na + nb;
    let cols: Vec<(f64, f64)> = a
        .iter()
        .zip(b)
        .filter(|(x, y)| **x + **y > 0)
        .map(|(&x, &y)| (x as f64, y as f64))
        .collect();
    let dof = cols.len().saturating_sub(1);
    if dof == 0 {
        return Ok(ChiSquareTest {
            statistic: 0.0,
            dof,
            p_value: 1.0,
        });
    }
    let mut stat = 0.0;
    for &(x, y) in &cols {
        let total = x + y;
        for (obs, row_total) in [(x, na), (y, nb)] {
            let exp = row_total * total / n;
            let mut diff = obs - exp;
            if dof == 1 {
                // Yates: move the observation towards the expectation by at most 0.5.
                diff = diff.signum() * (diff.abs() - diff.abs().min(0.5));
            }
            stat += diff * diff / exp;
        }
    }
    Ok(ChiSquareTest {
        statistic: stat,
        dof,
        p_value: chi2_sf(stat, dof),
    })
}

/// The `p`-quantile of an ascending, non-empty sample by linear interpolation between order
/// statistics (Hyndman & Fan's type 7; NumPy's default `np.quantile(x, p)`):
/// with `h = (n − 1)·p`, `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])`.
pub(crate) fn quantile_linear(sorted: &[f32], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let frac = h - lo as f64;
    let a = sorted[lo] as f64;
    match sorted.get(lo + 1) {
        Some(&b) if frac > 0.0 => a + frac * (b as f64 - a),
        _ => a,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lattice_diff_counts_ties_like_searchsorted_right() {
        // a = [1, 2, 2], b = [2, 3]: at v=1: i=1, j=0 → |1·2 − 0| = 2; v=2: i=3, j=1 → |6 − 3| = 3;
        // v=3: i=3, j=2 → 0. D = 3 / 6 = 0.5.
        assert_eq!(ks_max_lattice_diff(&[1.0, 2.0, 2.0], &[2.0, 3.0]), 3);
    }

    #[test]
    fn exact_equal_and_unequal_paths_agree_on_equal_sizes() {
        // The band DP is general; on equal sizes it must match the closed form.
        for (n, h) in [(5u64, 1u64), (5, 3), (8, 2), (20, 7), (50, 11)] {
            let a = ks_exact_equal(n, h);
            let b = ks_exact_unequal_general(n, h);
            assert!((a - b).abs() < 1e-12, "n={n} h={h}: {a} vs {b}");
        }
    }

    /// The DP of `ks_exact_unequal` without the orientation swap, for equal sizes.
    fn ks_exact_unequal_general(n: u64, h: u64) -> f64 {
        ks_exact_unequal(n, n, h)
    }

    #[test]
    fn durbin_and_pelz_good_agree_where_both_are_accurate() {
        // Pelz–Good is an asymptotic series; at n = 2000 it agrees with the exact Durbin
        // method to about 1e-6.
        for d in [0.02, 0.025, 0.03] {
            let a = kolmogorov_cdf_durbin(2000, d);
            let b = kolmogorov_cdf_pelz_good(2000, d);
            assert!((a - b).abs() < 1e-5, "d={d}: {a} vs {b}");
        }
    }

    #[test]
    fn quantile_matches_numpy_linear() {
        let x = [1.0f32, 2.0, 4.0, 8.0];
        // np.quantile([1,2,4,8], [0, .25, .5, .9, 1]) = [1, 1.75, 3, 6.8, 8]
        let want = [1.0, 1.75, 3.0, 6.8, 8.0];
        for (p, w) in [0.0, 0.25, 0.5, 0.9, 1.0].into_iter().zip(want) {
            assert!((quantile_linear(&x, p) - w).abs() < 1e-12, "p={p}");
        }
    }
}
