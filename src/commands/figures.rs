//! How the reports of `eval` print a figure and the change of one, so that
//! every table of them reads alike.

/// A figure as every report prints it: "0.733".
pub(super) fn pct(x: f64) -> String {
    format!("{:.3}", x)
}

/// A change of a figure, signed: "+0.025", "-0.010", "0".
pub(super) fn delta(before: f64, after: f64) -> String {
    let d = after - before;
    if d.abs() < 0.0005 {
        "0".to_string()
    } else {
        format!("{d:+.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_below_half_a_thousandth_read_as_none() {
        assert_eq!(pct(0.7333), "0.733");
        assert_eq!(delta(0.5, 0.525), "+0.025");
        assert_eq!(delta(0.5, 0.49), "-0.010");
        assert_eq!(delta(0.5, 0.5004), "0");
        assert_eq!(delta(0.5, 0.4996), "0");
    }
}
