import ArgumentParser
import Model
import Solver

struct Bound: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute a certified lower bound on the optimum of an instance.",
        discussion: """
            Progress lines on stderr (`#<n> <t>s [best:<cost> ]bound:<b>[ gap:<g>%] src:<method>`, \
            best and gap with a known solution cost) each time the bound rises; the LAST stdout line is the bound alone, an integer (with --json: \
            one JSON object). Every reported value is a valid lower bound of the optimum: \
            `lagrange`, `lp`, `branch` and `lpbranch` are certified in exact integer arithmetic, \
            `mip` (not run by default) rests on GLPK's branch-and-cut with a safety margin. On \
            small reduced instances (at most 2000 nodes) `exact` searches completely, and \
            `branch` then branches on the Lagrangian dual's certificates to prove the best known \
            cost (--solution, --upper-bound or the exact search's best) optimal; on those with \
            at most --glpk-nodes nodes `lpbranch` goes on to the end, branching on the LP \
            relaxation solved by GLPK, each branch's bound certified from the LP's duals. When a \
            proof completes, the bound is the optimum (or the --upper-bound, proved), the run \
            stops and says `optimal`. The run stops at the time limit or when the bound meets the \
            cost of the --solution.
            """)

    @Argument(help: "Problem file (.json or .json.gz).")
    var problem: String

    @Option(help: "Seconds (from process start) after which the best bound so far is printed.")
    var timeLimit: Double = 60

    @Option(help: "A solution file; its cost is the target and the gap is reported against it.")
    var solution: String?

    @Option(help: "The cost of a known solution (alternative to --solution; not checked).")
    var upperBound: String?

    @Option(help: "Worker threads (default: all cores). The methods run side by side; threads left over run more Lagrangian runs with another step schedule, and the best bound of all counts.")
    var threads: Int?

    @Option(help: "Reduced instances with at most this many nodes also get the GLPK methods (lpbranch, lp, mip).")
    var glpkNodes: Int = 1000

    @Option(help: "Methods to run, comma-separated, from lagrange, exact, branch, lpbranch, lp, mip.")
    var methods: String = "lagrange,exact,branch,lpbranch"

    @Flag(help: "Print one JSON object as the last stdout line instead of the bare bound.")
    var json = false

    @Option(help: "Seconds between diagnostic lines of the Lagrangian method on stderr (0: none).")
    var trace: Double = 0

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    func validate() throws {
        guard timeLimit.isFinite, timeLimit > 0 else {
            throw ValidationError("--time-limit must be a positive number of seconds, found \(timeLimit)")
        }
        if let t = threads, t < 1 || t > 1024 {
            throw ValidationError("--threads must be between 1 and 1024, found \(t)")
        }
        for m in methods.split(separator: ",") where !["lagrange", "lp", "mip", "exact", "branch", "lpbranch"].contains(String(m)) {
            throw ValidationError("--methods: unknown method '\(m)' (expected lagrange, lp, mip, exact, branch, lpbranch)")
        }
    }

    func run() throws {
        let clock = ProcessClock()
        let p = try ProblemReader.read(path: problem)
        var upper: Int128? = nil
        var known: [Int]? = nil
        if let solution {
            let s = try SolutionParser.parse(try readText(solution))
            let ev = try Evaluator.evaluate(p, s)
            guard ev.feasible else {
                throw CLIFailure(message: "\(solution): the solution is infeasible: \(Evaluator.violationMessage(p, s, ev) ?? "")", code: 2)
            }
            upper = ev.cost
            known = s
        }
        if let text = upperBound {
            guard let v = Int128(text) else {
                throw CLIFailure(message: "--upper-bound: expected an integer, found \(text)", code: 2)
            }
            upper = min(upper ?? v, v)
        }
        let threadCount = threads ?? SystemInfo.coreCount
        var options = BoundOptions(stopAt: timeLimit - 0.05, threads: threadCount, upperBound: upper,
                                   glpkNodeLimit: glpkNodes)
        let chosen = Set(methods.split(separator: ",").map(String.init))
        options.lagrange = chosen.contains("lagrange")
        options.lp = chosen.contains("lp")
        options.mip = chosen.contains("mip")
        options.exact = chosen.contains("exact")
        options.branch = chosen.contains("branch")
        options.lpBranch = chosen.contains("lpbranch")
        options.solution = known
        options.traceEvery = trace
        let log = !quiet
        let t0 = clock.seconds
        let inst = Reducer.reduce(p)
        if log {
            Console.writeErr("# iopddl bound \(ModelVersion.string): \(p.name.isEmpty ? problem : p.name): \(p.nodeCount) nodes, \(p.edgeCount) edges; time limit \(timeLimit) s, threads \(threadCount)\(upper.map { ", solution cost \($0)" } ?? "")\n")
            Console.writeErr("# reduced in \(formatFixed(clock.seconds - t0, 2)) s: \(inst.stats)\n")
        }
        let run = BoundRun(problem: p, instance: inst, options: options, clock: clock,
                           progress: log ? ProgressLog() : nil,
                           trace: { Console.writeErr("# \(formatSeconds(clock.seconds))s \($0)\n") })
        run.run()
        let bound = run.bound
        let elapsed = clock.seconds
        if log {
            for n in run.methodNotes { Console.writeErr("# \(n)\n") }
            var report = "# done at \(formatFixed(elapsed, 2)) s: bound \(bound.map(String.init) ?? "none")"
            if bound != nil { report += " from \(run.method)" }
            if let opt = run.optimum { report += " (optimal: a solution of cost \(opt.cost) exists)" }
            if let upper, let bound { report += ", solution \(upper), gap \(gapPercent(cost: upper, bound: bound))%" }
            Console.writeErr(report + "\n")
        }
        if json {
            var fields = ["\"bound\": \(bound.map(String.init) ?? "null")",
                          "\"method\": \"\(bound == nil ? "" : run.method)\"",
                          "\"optimal\": \(run.optimum != nil)",
                          "\"seconds\": \(formatFixed(elapsed, 3))"]
            if let upper {
                fields.append("\"solution_cost\": \(upper)")
                if let bound { fields.append("\"gap_percent\": \(gapPercent(cost: upper, bound: bound))") }
            }
            let history = run.history.map {
                "{\"seconds\": \(formatFixed($0.seconds, 3)), \"bound\": \($0.bound), \"method\": \"\($0.method)\"}"
            }
            fields.append("\"history\": [\(history.joined(separator: ", "))]")
            print("{" + fields.joined(separator: ", ") + "}")
        } else {
            // Without any bound (nothing valid could be said) the trivial statement is printed
            // as an empty line would break tools: say so on stderr and print nothing numeric.
            if let bound {
                print(String(bound))
            } else {
                throw CLIFailure(message: "no valid bound could be computed", code: 1)
            }
        }
    }
}
