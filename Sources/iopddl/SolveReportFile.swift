#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Model
import Solver

/// `--report FILE`: the run's end as one JSON object (docs/schemas/report.schema.json), written
/// after the answer line. The file is opened (created or emptied) before the problem is read,
/// so that an unwritable path is an error at once rather than a lost report at the end.
struct SolveReportFile: Sendable {
    let path: String
    private let fd: Int32

    /// What the report states besides the `SolverReport`: the call and the load time.
    struct Context: Sendable {
        var problemPath: String
        var problem: Problem
        var timeout: Double
        var threads: Int
        var seed: UInt64
        var loadSeconds: Double
        var glpk: Bool
    }

    init(path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd < 0 {
            throw CLIFailure(message: "--report \(path): cannot write: \(String(cString: strerror(errno)))", code: 2)
        }
        self.path = path
        self.fd = fd
    }

    /// Writes the object and a newline, and closes the file; a failure is said on stderr (the
    /// answer is already printed).
    func write(_ report: SolverReport, _ context: Context) {
        if !Console.writeAll(fd, Self.json(report, context) + "\n") {
            Console.writeErr("iopddl: --report \(path): write failed: \(String(cString: strerror(errno)))\n")
        }
        close(fd)
    }

    static func statusName(_ s: SolverReport.Status) -> String {
        switch s {
        case .optimal: "optimal"
        case .feasible: "feasible"
        case .infeasible: "infeasible"
        case .noSolution: "no-solution"
        }
    }

    /// The report object; numbers as JSON integers (costs can exceed 2^53).
    static func json(_ r: SolverReport, _ c: Context) -> String {
        var o = JSONObject()
        o.add("problem", string: c.problemPath)
        o.add("timeout_seconds", number: c.timeout)
        o.add("threads", integer: c.threads)
        o.add("seed", integer: c.seed)
        o.add("status", string: statusName(r.status))
        o.add("cost", integer: r.bestCost)
        o.add("bound", integer: r.bound)
        o.add("gap_percent", raw: r.gapPercent.map { String($0) } ?? "null")
        o.add("seconds", number: r.endedAt)
        o.add("answer_seconds", raw: r.bestFoundAt.map { String($0) } ?? "null")
        o.add("proof_seconds", raw: r.provedAt.map { String($0) } ?? "null")
        if let s = r.solution, let ev = try? Evaluator.evaluate(c.problem, s) {
            o.add("evaluation", raw: Evaluate.jsonObject(c.problem, ev, violation: nil))
        } else {
            o.add("evaluation", raw: "null")
        }
        // Improvements, and per source their count and the cost they removed.
        var items: [String] = []
        var sources: [(String, Int, Int128)] = []
        var previous: Int128? = nil
        for h in r.history {
            var e = JSONObject()
            e.add("seconds", number: h.seconds)
            e.add("cost", integer: h.cost)
            e.add("bound", integer: h.bound)
            e.add("source", string: h.source)
            items.append(e.text)
            let gain = previous.map { max(0, $0 - h.cost) } ?? 0
            previous = h.cost
            if let i = sources.firstIndex(where: { $0.0 == h.source }) {
                sources[i].1 += 1
                sources[i].2 += gain
            } else {
                sources.append((h.source, 1, gain))
            }
        }
        o.add("improvements", raw: "[" + items.joined(separator: ", ") + "]")
        var so = JSONObject()
        for (name, count, gain) in sources {
            var e = JSONObject()
            e.add("improvements", integer: count)
            e.add("gain", integer: gain)
            so.add(name, raw: e.text)
        }
        o.add("sources", raw: so.text)
        // Phases: load first, then the run's, summed by name.
        var phases: [(String, Double)] = [("load", c.loadSeconds)]
        for p in r.phases {
            if let i = phases.firstIndex(where: { $0.0 == p.name }) { phases[i].1 += p.seconds } else { phases.append((p.name, p.seconds)) }
        }
        var po = JSONObject()
        for (name, seconds) in phases { po.add(name, number: seconds) }
        o.add("phases", raw: po.text)
        // Moves with their counters (1-opt only counts improving moves; kicks, repairs and
        // restarts are perturbations without an improvement count).
        let st = r.counters
        var mo = JSONObject()
        func move(_ name: String, _ calls: Int, _ improvements: Int?, _ extra: [(String, Int)] = []) {
            var e = JSONObject()
            e.add("calls", integer: calls)
            if let improvements { e.add("improvements", integer: improvements) }
            for (k, v) in extra { e.add(k, integer: v) }
            mo.add(name, raw: e.text)
        }
        move("one-opt", st.oneOptMoves, st.oneOptMoves)
        move("tree-dp", st.treeMoves, st.treeImproved, [("memory_rejected", st.rejectedMemory)])
        move("elimination", st.eliminationMoves, st.eliminationImproved, [("too_wide", st.eliminationTooWide)])
        move("dual-labelling", st.dualLabellings, st.dualImproved,
             [("dual_iterations", st.dualIterations), ("glpk_repairs", st.dualRepairs),
              ("glpk_repairs_finite", st.dualRepairsFinite)])
        move("kick", st.kicks, nil)
        move("repair", st.repairs, nil)
        move("restart", st.restarts, nil)
        o.add("moves", raw: mo.text)
        if c.glpk {
            let lns = st.lns
            var g = JSONObject()
            g.add("solves", integer: lns.solves)
            g.add("improvements", integer: st.mipImproved)
            g.add("seconds", number: lns.allKinds.reduce(0.0) { $0 + $1.1.seconds })
            g.add("timeouts", integer: lns.allKinds.reduce(0) { $0 + $1.1.timeouts })
            var gens = JSONObject()
            for (name, s) in lns.allKinds where s.calls > 0 {
                var e = JSONObject()
                e.add("calls", integer: s.calls)
                e.add("improvements", integer: s.improvements)
                e.add("seconds", number: s.seconds)
                e.add("gain", integer: max(0, s.gain))
                gens.add(name, raw: e.text)
            }
            g.add("generators", raw: gens.text)
            o.add("glpk", raw: g.text)
        } else {
            o.add("glpk", raw: "null")
        }
        o.add("solution", raw: "[" + (r.solution ?? []).map(String.init).joined(separator: ", ") + "]")
        return o.text
    }
}
