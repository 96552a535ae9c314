import ArgumentParser
import Model
import Solver
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve an instance within a timeout (the default command).",
        discussion: """
            Prints the best solution found as the last stdout line, `[s0, s1, ...]`, before \
            TIMEOUT_SECONDS have passed since the process started (a safety margin of \
            0.15 s + 0.5% of the timeout, at most 1 s, is kept for printing). The first feasible \
            solution is printed as soon as it is known, so an early kill still leaves an answer. \
            `[]` means no feasible solution exists (the reason goes to stderr). SIGTERM or SIGINT \
            print the best solution so far and exit 0. Progress lines on stderr look like \
            `#12 3.41s best:6550261230 bound:6513812172 gap:0.53% src:ls0` (src: what found \
            it: `min-usage`, worker N's moves `lsN`, a GLPK solve on worker N `mipN`, or `dual` \
            for a bound). The bound is a \
            certified lower bound on the optimum (Lagrangian relaxation of the memory rows, \
            checked in exact integer arithmetic), certified from the first worker's dual phase \
            (or, with --no-dual or --bound-seconds, on one extra thread); the final `# done` line on stderr states the \
            best cost, the bound and the gap. When the bound meets the best cost, that cost is \
            proved optimal: the run stops early and reports status `optimal`. The bound \
            needs memory for a copy of the edge tables (about 32 bytes per entry) while it \
            runs; it is skipped when that would exceed 1 GiB. When the best cost has not \
            improved for 6% of the timeout, the search moves time to GLPK neighbourhoods until it \
            does, and on large instances the dual phase ends early when its solutions stop \
            paying; both are logged as `#` lines.
            """)

    @Argument(help: "Problem file (.json or .json.gz).")
    var problem: String

    @Argument(help: "Timeout in seconds, measured from process start.")
    var timeout: Double

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(help: "Random seed (logged; with --threads 1 and --max-iterations the run is deterministic).")
    var seed: UInt64 = 1

    @Option(help: "Stop each worker after this many block moves instead of at the timeout.")
    var maxIterations: Int?

    @Option(help: "Seconds kept free before the timeout for printing (default: 0.15 + 0.5% of the timeout, at most 1).")
    var margin: Double?

    @Option(help: ArgumentHelp(
        "Seconds of one extra thread spent on a certified lower bound besides the one the dual phase certifies (default: none; with --no-dual 3% of the timeout, at most 5, and none with --max-iterations).",
        valueName: "S"))
    var boundSeconds: Double?

    @Flag(help: "No GLPK at all: no neighbourhood, dual-restricted or whole-instance solves, no branch and bound on the LP (local search and the dual phase only).")
    var noMip = false

    @Flag(help: "No Lagrangian-dual phase: worker 0 learns memory prices by local search alone.")
    var noDual = false

    @Flag(help: "No proof search: small reduced instances (at most 2000 nodes) are not proved optimal on an extra thread by the complete search and the branch and bound on dual certificates after it, and those of at most 1000 nodes also by the branch and bound on the LP on another thread, to the end of the run (never with --max-iterations).")
    var noExact = false

    @Option(help: ArgumentHelp("Most of worker 0's time spent in the Lagrangian-dual phase (0-1); it ends earlier when it stops paying.", visibility: .hidden))
    var dualShare: Double = 0.6

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    @Option(help: ArgumentHelp(
        "Also write the run's end as one JSON object to FILE (docs/schemas/report.schema.json: status, cost, bound, gap, answer and proof times, improvements and their sources, phase times, move and GLPK statistics, the solution), after the answer line; the stdout contract does not change.",
        valueName: "FILE"))
    var report: String?

    @Flag(help: "Recheck the incremental search state from scratch at every improvement (slow).")
    var debugChecks = false

    func validate() throws {
        guard timeout.isFinite, timeout > 0 else {
            throw ValidationError("TIMEOUT_SECONDS must be a positive number of seconds, found \(timeout)")
        }
        if let t = threads, t < 1 || t > 1024 {
            throw ValidationError("--threads must be between 1 and 1024, found \(t)")
        }
        if let m = margin, !(m >= 0 && m < timeout) {
            throw ValidationError("--margin must be >= 0 and below the timeout")
        }
        if let b = boundSeconds, !(b.isFinite && b >= 0) {
            throw ValidationError("--bound-seconds must be a number >= 0, found \(b)")
        }
        if let m = maxIterations, m < 0 {
            throw ValidationError("--max-iterations must be >= 0")
        }
    }

    /// Seconds of the default safety margin: a fixed part, a share of the timeout, at most
    /// `marginMax` (as the help states), plus time per gigabyte of input for the final check and
    /// print of huge inputs.
    static let marginBase = 0.15
    static let marginTimeoutShare = 0.005
    static let marginMax = 1.0
    static let marginSecondsPerGigabyte = 0.3

    static func defaultMargin(timeout: Double, inputBytes: Int) -> Double {
        min(marginMax, marginBase + marginTimeoutShare * timeout) + marginSecondsPerGigabyte * Double(inputBytes) / 1e9
    }

    func run() throws {
        let clock = ProcessClock()
        SignalWatcher.blockSignals()
        // Signals are answered from the start, also while the file is being read.
        let pending = PendingOutput()
        SignalWatcher.start { signal in pending.answer(signal: signal) }
        let reportFile = try report.map { try SolveReportFile(path: $0) }
        let t0 = clock.seconds
        let (p, info) = try ProblemReader.readWithInfo(path: problem)
        let loadTime = clock.seconds - t0
        let safety = margin ?? Self.defaultMargin(timeout: timeout, inputBytes: info.textBytes)
        let printAt = timeout - safety
        let log = !quiet
        let threadCount = threads ?? SystemInfo.coreCount
        if log {
            Console.writeErr("# iopddl \(ModelVersion.string): \(p.name.isEmpty ? problem : p.name): \(p.nodeCount) nodes, \(p.edgeCount) edges, \(p.strategyTotal) strategies; loaded \(info.textBytes) bytes in \(formatFixed(loadTime, 3)) s; timeout \(timeout) s, answer at \(formatFixed(printAt, 2)) s; threads \(threadCount), seed \(seed)\n")
        }
        let store = IncumbentStore(problem: p, clock: clock, logProgress: log)
        var options = SolverOptions(
            stopAt: printAt - SolverRun.stopLead, threads: threadCount, seed: seed, maxIterations: maxIterations,
            logProgress: log, debugChecks: debugChecks)
        options.useMIP = !noMip
        options.useDual = !noDual
        options.useExact = !noExact
        options.dualShare = max(0, min(1, dualShare))
        let run = SolverRun(problem: p, options: options, clock: clock, store: store)
        let context = SolveReportFile.Context(problemPath: problem, problem: p, timeout: timeout, threads: threadCount,
                                              seed: seed, loadSeconds: loadTime, glpk: !noMip)
        let output = FinalOutput(run: run, log: log, reportFile: reportFile.map { ($0, context) })
        pending.set(output)
        let report = run.run(answerAt: printAt, timeout: timeout, boundSeconds: boundSeconds) { start in
            Console.writeOut(SolutionParser.format(start) + "\n")  // early answer; the final line follows
        }
        if let why = report.infeasibility {
            Console.writeErr("iopddl: no feasible solution: \(why)\n")
        }
        output.finish { report }
    }
}

/// Holds the final output once the problem is loaded; a signal before that answers `[]`.
final class PendingOutput: Sendable {
    private let output = Mutex<FinalOutput?>(nil)

    func set(_ o: FinalOutput) { output.withLock { $0 = o } }

    func answer(signal: Int32) {
        if let o = output.withLock({ $0 }) {
            o.run.requestStop()
            o.finish { o.run.report(stopReason: .signal(signal)) }
        }
        Console.writeOut("[]\n")
        Console.writeErr("iopddl: signal \(signal) while loading; no solution yet\n")
        _exit(0)
    }
}

/// Prints the final answer exactly once (from the main thread or the signal thread) and exits.
final class FinalOutput: Sendable {
    let run: SolverRun
    let log: Bool
    /// Where `--report` goes, with what it states besides the run's report.
    let reportFile: (SolveReportFile, SolveReportFile.Context)?
    private let printed = Mutex(false)

    init(run: SolverRun, log: Bool, reportFile: (SolveReportFile, SolveReportFile.Context)?) {
        self.run = run
        self.log = log
        self.reportFile = reportFile
    }

    /// Prints the answer of the report `makeReport` returns (made only by the first caller)
    /// as the last stdout line, `[]` when there is none, and the report's summary on stderr.
    func finish(_ makeReport: () -> SolverReport) -> Never {
        let first = printed.withLock { p -> Bool in
            if p { return false }
            p = true
            return true
        }
        if !first {
            // Another thread is printing; it exits the process.
            while true { sleep(1) }
        }
        let report = makeReport()
        if report.evaluatorCheck == .failed {
            Console.writeErr("iopddl: internal error: the best solution failed its final check; printing none\n")
        }
        Console.writeOut((report.solution.map(SolutionParser.format) ?? "[]") + "\n")
        if log { Console.writeErr(report.summaryLines.joined(separator: "\n") + "\n") }
        if let (file, context) = reportFile { file.write(report, context) }
        // Everything is written unbuffered; skip freeing gigabytes of input at exit.
        _exit(0)
    }
}

enum SystemInfo {
    static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

/// SIGTERM/SIGINT are blocked in every thread and taken by one thread with sigwait.
enum SignalWatcher {
    static func blockSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    static func start(_ handler: @escaping @Sendable (Int32) -> Void) {
        DetachedThread.start {
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGTERM)
            sigaddset(&set, SIGINT)
            var sig: Int32 = 0
            if sigwait(&set, &sig) == 0 {
                // A second signal while printing exits at once.
                DetachedThread.start {
                    var again = sigset_t()
                    sigemptyset(&again)
                    sigaddset(&again, SIGTERM)
                    sigaddset(&again, SIGINT)
                    var s2: Int32 = 0
                    if sigwait(&again, &s2) == 0 { _exit(130) }
                }
                handler(sig)
            }
        }
    }
}
