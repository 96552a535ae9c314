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

/// Relative gap (cost - bound) / cost in percent, two decimals, never negative.
public func gapPercent(cost: Int128, bound: Int128) -> String {
    formatFixed(gapPercentValue(cost: cost, bound: bound), 2)
}

/// The gap (cost - bound) / cost in percent, never negative; 0 when the cost is not positive.
public func gapPercentValue(cost: Int128, bound: Int128) -> Double {
    if cost <= 0 { return 0 }
    return max(0, Double(cost - bound) / Double(cost) * 100)
}
