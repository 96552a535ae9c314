// Number formatting for progress lines and reports: one rounding, so that every line of the
// solve and the bound commands prints the same value the same way.

/// `x` with exactly `digits` decimals, rounded half away from zero ("-" only when the rounded
/// value is not zero). Non-finite or huge values (|x| >= 1e15, beyond exact Int conversion of
/// the scaled value) are printed by `String(x)`.
public func formatFixed(_ x: Double, _ digits: Int) -> String {
    if !x.isFinite || abs(x) >= 1e15 { return String(x) }
    var scale = 1.0
    for _ in 0 ..< digits { scale *= 10 }
    let r = (abs(x) * scale).rounded()
    let whole = (r / scale).rounded(.down)
    let frac = Int(r - whole * scale)
    var s = (x < 0 && r > 0 ? "-" : "") + String(Int(whole))
    if digits > 0 {
        let f = String(frac)
        s += "." + String(repeating: "0", count: digits - f.count) + f
    }
    return s
}

/// Seconds as progress lines print them: two decimals.
public func formatSeconds(_ t: Double) -> String { formatFixed(t, 2) }

/// Relative gap (cost - bound) / cost in percent, never negative (`formatGap`).
public func gapPercent(cost: Int128, bound: Int128) -> String {
    formatGap(gapPercentValue(cost: cost, bound: bound))
}

/// A gap in percent with two decimals, or, when it is positive but would print as 0.00, with
/// two significant digits (a bound one unit below a cost of 190,718 is 0.00052%, not 0.00%:
/// "0.00" must only ever mean a closed gap).
public func formatGap(_ percent: Double) -> String {
    guard percent > 0 && percent < 0.005 else { return formatFixed(percent, 2) }
    // Decimals to the first significant digit, plus one (a gap of one unit on a cost of 2e18,
    // the largest sum, is 5e-17 %).
    var digits = 3
    var scaled = percent * 1000
    while scaled < 1 && digits < 19 {
        scaled *= 10
        digits += 1
    }
    return formatFixed(percent, digits + 1)
}

/// The gap (cost - bound) / cost in percent, never negative; 0 when the cost is not positive.
public func gapPercentValue(cost: Int128, bound: Int128) -> Double {
    if cost <= 0 { return 0 }
    return max(0, Double(cost - bound) / Double(cost) * 100)
}
