/// An SVG picture of a solution's memory profile: summed usage over time (a step line), the
/// usage limit (dashed), and the peak marked. Written by hand; no dependencies.
public enum MemoryProfileSVG {
    public static func render(_ problem: Problem, _ solution: [Int], width: Int = 900, height: Int = 360) throws(SolutionError) -> String {
        try Evaluator.validate(problem, solution)
        // Usage change points (half-open intervals: +u at lo, -u at hi).
        var events: [(Int64, Int128)] = []
        for i in 0 ..< problem.nodeCount where problem.intervalHi[i] > problem.intervalLo[i] {
            let u = Int128(problem.nodeUsage[problem.strategyOffset[i] + solution[i]])
            if u == 0 { continue }
            events.append((problem.intervalLo[i], u))
            events.append((problem.intervalHi[i], -u))
        }
        events.sort { $0.0 < $1.0 }
        var points: [(Int64, Int128)] = []
        var level: Int128 = 0
        var k = 0
        var peak: Int128 = 0
        var peakTime: Int64 = 0
        while k < events.count {
            let t = events[k].0
            while k < events.count && events[k].0 == t { level += events[k].1; k += 1 }
            points.append((t, level))
            if level > peak { peak = level; peakTime = t }
        }
        let limit = problem.usageLimit.map { Int128($0) }
        let t0 = points.first?.0 ?? 0
        let t1 = max(t0 + 1, points.last?.0 ?? 1)
        let yMax = Double(max(peak, limit ?? 0, 1)) * 1.08
        let left = 70.0, right = 20.0, top = 40.0, bottom = 40.0
        let w = Double(width) - left - right, h = Double(height) - top - bottom
        func x(_ t: Int64) -> Double { left + w * Double(t - t0) / Double(t1 - t0) }
        func y(_ u: Int128) -> Double { top + h * (1 - Double(u) / yMax) }
        func f(_ v: Double) -> String { String(Int((v * 10).rounded())) + "e-1" }
        var path = "M \(f(x(t0))) \(f(y(0)))"
        var last: Int128 = 0
        for (t, u) in points {
            path += " L \(f(x(t))) \(f(y(last))) L \(f(x(t))) \(f(y(u)))"
            last = u
        }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Int(left))" y="22" font-family="sans-serif" font-size="14">Memory profile\(problem.name.isEmpty ? "" : " of " + escape(problem.name)): peak \(peak) at t=\(peakTime)\(limit.map { ", limit \($0)" } ?? "")\(limit.map { peak > $0 ? " (INFEASIBLE)" : "" } ?? "")</text>
            <line x1="\(Int(left))" y1="\(Int(top + h))" x2="\(Int(left + w))" y2="\(Int(top + h))" stroke="black"/>
            <line x1="\(Int(left))" y1="\(Int(top))" x2="\(Int(left))" y2="\(Int(top + h))" stroke="black"/>
            <text x="\(Int(left))" y="\(Int(top + h + 18))" font-family="sans-serif" font-size="11">t=\(t0)</text>
            <text x="\(Int(left + w))" y="\(Int(top + h + 18))" font-family="sans-serif" font-size="11" text-anchor="end">t=\(t1)</text>
            <text x="\(Int(left - 6))" y="\(Int(top + 4))" font-family="sans-serif" font-size="11" text-anchor="end">\(Int128(yMax))</text>
            <path d="\(path)" fill="none" stroke="#1f77b4" stroke-width="1.5"/>

            """
        if let limit {
            svg += "<line x1=\"\(Int(left))\" y1=\"\(f(y(limit)))\" x2=\"\(Int(left + w))\" y2=\"\(f(y(limit)))\" stroke=\"#d62728\" stroke-dasharray=\"6 4\"/>\n"
            svg += "<text x=\"\(Int(left + w))\" y=\"\(f(y(limit) - 4))\" font-family=\"sans-serif\" font-size=\"11\" fill=\"#d62728\" text-anchor=\"end\">limit \(limit)</text>\n"
        }
        svg += "<circle cx=\"\(f(x(peakTime)))\" cy=\"\(f(y(peak)))\" r=\"4\" fill=\"#ff7f0e\"/>\n"
        svg += "<text x=\"\(f(x(peakTime) + 6))\" y=\"\(f(y(peak) - 6))\" font-family=\"sans-serif\" font-size=\"11\">peak \(peak)</text>\n"
        svg += "</svg>\n"
        return svg
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
