//! A small L-BFGS minimiser for smooth convex objectives of a few hundred
//! variables: the regularised logistic models of `fit`. Deterministic: the
//! same start and objective give the same steps on every machine and
//! thread count.

/// Minimises `f` from `x`, in place. `f(x, grad)` returns the objective and
/// writes its gradient. Stops when the largest gradient component is under
/// `tol`, when a step no longer lowers the objective, or after `max_iter`
/// iterations. Returns the number of iterations made.
pub fn minimize<F>(mut f: F, x: &mut [f64], tol: f64, max_iter: usize) -> usize
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    const HISTORY: usize = 8;
    let n = x.len();
    let mut g = vec![0.0; n];
    let mut fx = f(x, &mut g);
    let mut s_hist: Vec<Vec<f64>> = Vec::with_capacity(HISTORY);
    let mut y_hist: Vec<Vec<f64>> = Vec::with_capacity(HISTORY);
    let mut rho_hist: Vec<f64> = Vec::with_capacity(HISTORY);
    let mut dir = vec![0.0; n];
    let mut alpha = [0.0; HISTORY];
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    for iter in 0..max_iter {
        if max_abs(&g) < tol {
            return iter;
        }
        // Two-loop recursion: dir = -H g.
        dir.iter_mut().zip(&g).for_each(|(d, gi)| *d = -gi);
        for k in (0..s_hist.len()).rev() {
            let a = rho_hist[k] * dot(&s_hist[k], &dir);
            alpha[k] = a;
            axpy(-a, &y_hist[k], &mut dir);
        }
        if let (Some(s), Some(y)) = (s_hist.last(), y_hist.last()) {
            let gamma = dot(s, y) / dot(y, y);
            dir.iter_mut().for_each(|d| *d *= gamma);
        }
        for k in 0..s_hist.len() {
            let b = rho_hist[k] * dot(&y_hist[k], &dir);
            axpy(alpha[k] - b, &s_hist[k], &mut dir);
        }
        let mut slope = dot(&g, &dir);
        if slope >= 0.0 {
            // Not a descent direction (curvature lost): restart downhill.
            s_hist.clear();
            y_hist.clear();
            rho_hist.clear();
            dir.iter_mut().zip(&g).for_each(|(d, gi)| *d = -gi);
            slope = dot(&g, &dir);
        }
        // Backtracking until the Armijo condition holds.
        let mut step = if s_hist.is_empty() {
            (1.0 / max_abs(&g)).min(1.0)
        } else {
            1.0
        };
        let mut f_new;
        let mut tries = 0;
        loop {
            x_new
                .iter_mut()
                .zip(x.iter().zip(&dir))
                .for_each(|(xn, (xi, di))| *xn = xi + step * di);
            f_new = f(&x_new, &mut g_new);
            if f_new <= fx + 1e-4 * step * slope {
                break;
            }
            tries += 1;
            if tries == 40 {
                return iter;
            }
            step *= 0.5;
        }
        let s: Vec<f64> = x_new.iter().zip(x.iter()).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        x.copy_from_slice(&x_new);
        g.copy_from_slice(&g_new);
        let decrease = fx - f_new;
        fx = f_new;
        if sy > 1e-12 {
            if s_hist.len() == HISTORY {
                s_hist.remove(0);
                y_hist.remove(0);
                rho_hist.remove(0);
            }
            s_hist.push(s);
            y_hist.push(y);
            rho_hist.push(1.0 / sy);
        }
        if decrease <= 1e-12 * fx.abs().max(1.0) {
            return iter + 1;
        }
    }
    max_iter
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    y.iter_mut().zip(x).for_each(|(yi, xi)| *yi += a * xi);
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_a_badly_scaled_quadratic() {
        // f = sum c_i (x_i - i)^2 with scales from 1 to 1000.
        let scales = [1.0, 10.0, 100.0, 1000.0];
        let mut x = vec![0.0; 4];
        minimize(
            |x, g| {
                let mut f = 0.0;
                for i in 0..4 {
                    let d = x[i] - i as f64;
                    f += scales[i] * d * d;
                    g[i] = 2.0 * scales[i] * d;
                }
                f
            },
            &mut x,
            1e-9,
            500,
        );
        for (i, xi) in x.iter().enumerate() {
            assert!((xi - i as f64).abs() < 1e-6, "x[{i}] = {xi}");
        }
    }

    #[test]
    fn finds_the_minimum_of_the_rosenbrock_valley() {
        let mut x = vec![-1.2, 1.0];
        minimize(
            |x, g| {
                let (a, b) = (x[0], x[1]);
                g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
                g[1] = 200.0 * (b - a * a);
                (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
            },
            &mut x,
            1e-8,
            1000,
        );
        assert!(
            (x[0] - 1.0).abs() < 1e-4 && (x[1] - 1.0).abs() < 1e-4,
            "{x:?}"
        );
    }

    #[test]
    fn fits_a_one_variable_logistic_regression() {
        // Two points at x = 1 (one positive), two at x = -1 (both
        // negative) with a ridge of 1: the optimum solves
        // w = (1 - 2 s(w)) + 2 s(-w)... checked through the gradient.
        let data = [(1.0, 1.0), (1.0, 0.0), (-1.0, 0.0), (-1.0, 0.0)];
        let obj = |w: &[f64], g: &mut [f64]| {
            let mut f = 0.5 * w[0] * w[0];
            g[0] = w[0];
            for &(x, y) in &data {
                let z: f64 = w[0] * x;
                let p = 1.0 / (1.0 + (-z).exp());
                f += -(y * p.ln() + (1.0 - y) * (1.0 - p).ln());
                g[0] += (p - y) * x;
            }
            f
        };
        let mut w = vec![0.0];
        minimize(obj, &mut w, 1e-10, 100);
        let mut g = vec![0.0];
        obj(&w, &mut g);
        assert!(g[0].abs() < 1e-8, "gradient {g:?} at {w:?}");
        assert!(w[0] > 0.0, "the positive side is more often positive");
    }
}
