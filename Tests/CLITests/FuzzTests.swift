import Dispatch
import Foundation
import Model
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

// Fuzzing the input path: thousands of seeded mutations of valid instances (truncation, byte
// flips, deleted or duplicated array elements, huge numbers, deep nesting, random bytes, broken
// gzip) read in-process, a smaller sample through the binary, and fuzzed command lines.
//
// Every case is reproducible from its number: `FuzzCorpus.shared.make(case: N)` rebuilds the
// bytes, and a failing case's input is kept in $TMPDIR/iopddl-reliability-failures.

/// The base corpus and the mutators.
final class FuzzCorpus: @unchecked Sendable {
    struct Base {
        var name: String
        var tree: Reliability.JSON
        /// The bytes as written on disk (examples keep their formatting).
        var bytes: [UInt8]
        var problem: Problem
    }

    struct Case {
        var number: Int
        var kind: String
        var bytes: [UInt8]
        /// The problem the bytes must read as, when the mutation cannot change the meaning
        /// (whitespace, line endings, gzip wrapping).
        var equivalent: Problem?
        /// The outcome must equal that of these bytes (gzip of a mutated text).
        var sameOutcomeAs: [UInt8]?
        /// The bytes must be rejected (corrupt gzip checksums or lengths).
        var mustFail = false
    }

    let bases: [Base]
    /// `gzip -9` of each base (nil without the tool).
    let realGzip: [[UInt8]?]

    static let shared = FuzzCorpus()

    private init() {
        var b: [Base] = []
        for name in ["tiny.json", "no-limit.json", "arity3.json", "infeasible.json"] {
            if let data = FileManager.default.contents(atPath: CLI.example(name)),
               let p = try? ProblemReader.read(bytes: [UInt8](data), name: name) {
                b.append(Base(name: name, tree: Reliability.Instance(p).json, bytes: [UInt8](data), problem: p))
            }
        }
        var rng = Reliability.RNG(seed: 4242)
        for k in 0 ..< 12 {
            var inst = Reliability.randomInstance(
                seed: UInt64(900 + k), nodes: 1 + rng.below(14), edges: rng.below(20), maxStrategies: 1 + rng.below(5),
                infiniteChance: rng.pick([0, 0.3]), memory: rng.pick(Reliability.MemoryMode.allCases),
                arity3Chance: rng.pick([0, 0.3]))
            inst.omitEmptyEdges = rng.chance(0.5)
            if let p = try? inst.problem() {
                b.append(Base(name: inst.name, tree: inst.json, bytes: inst.bytes, problem: p))
            }
        }
        bases = b
        realGzip = b.map { Reliability.gzipTool($0.bytes) }
    }

    static let interestingTokens: [String] = [
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "99999999999999999999999999999999", "1000000000000000000", "999999999999999999",
        "2147483647", "2147483648", "4294967296", "4294967297", "-2147483649", "-1", "-0", "0", "00", "01",
        "1.0", "1e3", "1E400", "-1e-400", ".5", "5.", "+1", "0x1F", "NaN", "Infinity", "-Infinity", "null",
        "true", "false", "\"1\"", "\"\"", "\"\\u0000\"", "\"\\ud800\"", "[]", "{}", "[[]]", "[[0]]", "[0, 0]", "-", "--1",
        "1-", "1 2", "[9223372036854775807, -9223372036854775808]", "[-9223372036854775808, 9223372036854775807]",
        "[1000000000000000000]", "{\"a\": 1}", "\"problem\"",
    ]

    static let keys = ["problem", "nodes", "edges", "intervals", "costs", "usages", "usage_limit", "name", "x", "",
                       "Problem", "nodes ", "\\u0070roblem", "a\\nb"]

    /// Case `number` of the fuzz stream (a pure function of the number).
    func make(case number: Int) -> Case {
        var rng = Reliability.RNG(seed: 0xF022 &+ UInt64(number) &* 0x9E37_79B9)
        let baseIndex = rng.below(bases.count)
        let base = bases[baseIndex]
        let roll = rng.below(100)
        switch roll {
        case 0 ..< 38:
            var tree = base.tree
            var kinds: [String] = []
            for _ in 0 ..< 1 + rng.below(3) {
                let (t, k) = structural(tree, &rng)
                tree = t
                kinds.append(k)
            }
            return Case(number: number, kind: "structural(\(kinds.joined(separator: ",")))", bytes: Array(tree.text.utf8))
        case 38 ..< 62:
            var bytes = rng.chance(0.5) ? base.bytes : Array(base.tree.text.utf8)
            var kinds: [String] = []
            for _ in 0 ..< 1 + rng.below(2) {
                let k = textual(&bytes, &rng)
                kinds.append(k)
            }
            return Case(number: number, kind: "text(\(kinds.joined(separator: ",")))", bytes: bytes)
        case 62 ..< 68:
            // Meaning-preserving rewrites: the problem must read back identical.
            var bytes = base.bytes
            let kind: String
            switch rng.below(3) {
            case 0:
                kind = "whitespace"
                var out: [UInt8] = []
                var inString = false
                for b in bytes {
                    if b == 0x22 { inString.toggle() }
                    out.append(b)
                    if !inString && (b == 0x2C || b == 0x3A || b == 0x5B || b == 0x7B) && rng.chance(0.5) {
                        out.append(contentsOf: Array(repeating: rng.pick([0x20, 0x0A, 0x09, 0x0D]), count: 1 + rng.below(3)))
                    }
                }
                bytes = out
            case 1:
                kind = "crlf"
                bytes = bytes.flatMap { $0 == 0x0A ? [0x0D, 0x0A] : [$0] }
            default:
                kind = "unknown-keys"
                if case .object(var top) = base.tree {
                    top.insert(("comment", .array([.raw("1.5e300"), .string("x"), .object([("deep", .array([.array([.raw("true")])]))])])), at: 0)
                    top.append(("version", .raw("null")))
                    bytes = Array(Reliability.JSON.object(top).text.utf8)
                }
            }
            return Case(number: number, kind: "equivalent(\(kind))", bytes: bytes, equivalent: base.problem)
        case 68 ..< 74:
            let useTool = rng.chance(0.5)
            if useTool, let gz = realGzip[baseIndex] {
                return Case(number: number, kind: "gzip(-9)", bytes: gz, equivalent: base.problem)
            }
            return Case(number: number, kind: "gzip(stored)",
                        bytes: Reliability.gzipStored(base.bytes, blockSize: 1 + rng.below(700)), equivalent: base.problem)
        case 74 ..< 80:
            // gzip of a mutated text: the same outcome as the text itself.
            var bytes = Array(base.tree.text.utf8)
            let k = rng.chance(0.5) ? textual(&bytes, &rng) : { () -> String in
                let (t, k) = structural(base.tree, &rng)
                bytes = Array(t.text.utf8)
                return k
            }()
            return Case(number: number, kind: "gzip-of(\(k))", bytes: Reliability.gzipStored(bytes, blockSize: 1 + rng.below(4000)),
                        sameOutcomeAs: bytes)
        case 80 ..< 88:
            return brokenGzip(number, base, baseIndex, &rng)
        case 88 ..< 93:
            return Case(number: number, kind: "deep-nesting", bytes: Array(deepNesting(base.tree, &rng).text.utf8))
        default:
            var bytes = (0 ..< rng.below(3000)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            var kind = "random-bytes"
            switch rng.below(4) {
            case 0: bytes.insert(0x7B, at: 0); kind += "({)"
            case 1: bytes.insert(contentsOf: [0x1F, 0x8B], at: 0); kind += "(gzip magic)"
            case 2: bytes = Array(bytes.prefix(rng.below(4))); kind += "(tiny)"
            default: break
            }
            return Case(number: number, kind: kind, bytes: bytes)
        }
    }

    // MARK: Mutators

    private func structural(_ tree: Reliability.JSON, _ rng: inout Reliability.RNG) -> (Reliability.JSON, String) {
        var paths: [[Int]] = []
        tree.paths(into: &paths)
        let children = paths.filter { !$0.isEmpty }
        guard !children.isEmpty else { return (tree, "none") }
        let path = rng.pick(children)
        let slice = path[...]
        switch rng.below(12) {
        case 0:
            return (tree.updatingParent(of: slice) { values, keys, k in values.remove(at: k); keys?.remove(at: k) }, "delete")
        case 1:
            return (tree.updatingParent(of: slice) { values, keys, k in
                values.insert(values[k], at: k)
                if let key = keys?[k] { keys?.insert(key, at: k) }
            }, "duplicate")
        case 2, 3, 4:
            let token = rng.pick(Self.interestingTokens)
            return (tree.replacing(slice, with: .raw(token)), "token(\(token))")
        case 5:
            return (tree.updatingParent(of: slice) { values, keys, k in
                let j = Int.random(in: 0 ..< values.count, using: &rng)
                values.swapAt(k, j)
            }, "swap")
        case 6:
            guard let v = tree.at(slice) else { return (tree, "none") }
            switch v {
            case .array: return (tree.replacing(slice, with: .array([])), "empty-array")
            case .object(let o): return (tree.replacing(slice, with: .array(o.map(\.1))), "object-to-array")
            default: return (tree.replacing(slice, with: .array([v])), "wrap")
            }
        case 7:
            return (tree.updatingParent(of: slice) { _, keys, k in
                if keys != nil { keys![k] = Self.keys[Int.random(in: 0 ..< Self.keys.count, using: &rng)] }
            }, "rename-key")
        case 8:
            guard let v = tree.at(slice) else { return (tree, "none") }
            return (tree.replacing(slice, with: .array([v, v])), "wrap-twice")
        case 9:
            // A long edge node list (huge table size) or out-of-range node indices.
            let n = Int64(rng.pick([2, 40, 64, 70]))
            let list = Reliability.JSON.array((0 ..< n).map { _ in .int(Int64(rng.below(3))) })
            return (tree.replacing(slice, with: list), "long-list(\(n))")
        case 10:
            let v = tree.at(slice)
            if case .int(let x)? = v {
                let y = rng.pick([x &+ 1, x &- 1, -x, x &* 1_000_000_007, Int64.max, Int64.min, Problem.infinity, 0])
                return (tree.replacing(slice, with: .int(y)), "number(\(y))")
            }
            return (tree.replacing(slice, with: .int(Int64(bitPattern: rng.next()))), "random-int")
        default:
            guard let v = tree.at(slice) else { return (tree, "none") }
            let depth = rng.pick([2, 50, 5_000])
            return (tree.replacing(slice, with: .raw(String(repeating: "[", count: depth) + v.text + String(repeating: "]", count: depth))),
                    "nest(\(depth))")
        }
    }

    private func textual(_ bytes: inout [UInt8], _ rng: inout Reliability.RNG) -> String {
        let special: [UInt8] = Array("[]{},:\"-0123456789eE.+ \t\r\n\\/".utf8) + [0x00, 0xFF, 0xC3, 0x80]
        if bytes.isEmpty { bytes = [rng.pick(special)]; return "seed-byte" }
        let at = rng.below(bytes.count)
        switch rng.below(10) {
        case 0:
            bytes = Array(bytes.prefix(at))
            return "truncate(\(at))"
        case 1, 2:
            for _ in 0 ..< 1 + rng.below(8) {
                let i = rng.below(bytes.count)
                bytes[i] ^= UInt8(1) << UInt8(rng.below(8))
            }
            return "bit-flips"
        case 3:
            bytes[at] = rng.pick(special)
            return "byte(\(at))"
        case 4:
            bytes.insert(rng.pick(special), at: at)
            return "insert(\(at))"
        case 5:
            let len = min(bytes.count - at, 1 + rng.below(20))
            bytes.removeSubrange(at ..< at + len)
            return "delete(\(at),\(len))"
        case 6:
            let len = min(bytes.count - at, 1 + rng.below(40))
            bytes.insert(contentsOf: Array(bytes[at ..< at + len]), at: at)
            return "dup-range(\(at),\(len))"
        case 7:
            // A long digit run where a digit was.
            if let i = bytes.indices.dropFirst(at).first(where: { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }) {
                bytes.insert(contentsOf: Array(repeating: UInt8(0x39), count: 1 + rng.below(40)), at: i)
                return "digits(\(i))"
            }
            return "digits(none)"
        case 8:
            switch rng.below(4) {
            case 0: bytes.insert(contentsOf: [0xEF, 0xBB, 0xBF], at: 0); return "bom"
            case 1: bytes.append(contentsOf: Array(" {\"problem\": 1}".utf8)); return "trailing-object"
            case 2: bytes.append(0x00); return "trailing-nul"
            default: bytes = bytes.flatMap { [$0, 0] }; return "utf16"
            }
        default:
            let len = min(bytes.count - at, 1 + rng.below(64))
            for i in at ..< at + len { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
            return "random-range(\(at),\(len))"
        }
    }

    private func deepNesting(_ tree: Reliability.JSON, _ rng: inout Reliability.RNG) -> Reliability.JSON {
        guard case .object(var top) = tree else { return tree }
        let depth = rng.pick([9_999, 10_000, 10_001, 100_000, 1_000_000])
        let open = rng.chance(0.5) ? "[" : "{\"a\": "
        let close = open == "[" ? "]" : "}"
        let balanced = rng.chance(0.7)
        let value = String(repeating: open, count: depth) + "0" + String(repeating: close, count: balanced ? depth : depth / 2)
        switch rng.below(3) {
        case 0: top.insert(("deep", .raw(value)), at: 0)  // an unknown top-level key
        case 1:
            if case .object(var p)? = top.first(where: { $0.0 == "problem" }).map(\.1), let idx = top.firstIndex(where: { $0.0 == "problem" }) {
                p.append(("extra", .raw(value)))
                top[idx].1 = .object(p)
            }
        default:
            // In place of a known array.
            return tree.replacing([0, 1, 0][...], with: .raw(value))
        }
        return .object(top)
    }

    private func brokenGzip(_ number: Int, _ base: Base, _ baseIndex: Int, _ rng: inout Reliability.RNG) -> Case {
        var gz = (rng.chance(0.5) ? realGzip[baseIndex] : nil) ?? Reliability.gzipStored(base.bytes, blockSize: 1 + rng.below(500))
        let n = gz.count
        switch rng.below(9) {
        case 0:
            let at = rng.below(n)
            return Case(number: number, kind: "gzip-truncate(\(at)/\(n))", bytes: Array(gz.prefix(at)), mustFail: true)
        case 1:
            gz[n - 8 + rng.below(4)] ^= 0x5A
            return Case(number: number, kind: "gzip-bad-crc", bytes: gz, mustFail: true)
        case 2:
            gz[n - 4 + rng.below(4)] ^= 0x01
            return Case(number: number, kind: "gzip-bad-isize", bytes: gz, mustFail: true)
        case 3:
            gz[2] = 0x07
            return Case(number: number, kind: "gzip-bad-method", bytes: gz, mustFail: true)
        case 4:
            gz[3] = UInt8(rng.below(256))
            return Case(number: number, kind: "gzip-flags(\(gz[3]))", bytes: gz)
        case 5:
            let second = rng.chance(0.5) ? Reliability.gzipStored(Array(" ".utf8)) : Array(gz.prefix(rng.below(n)))
            return Case(number: number, kind: "gzip-second-member", bytes: gz + second)
        case 6:
            let junk = (0 ..< 1 + rng.below(30)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            return Case(number: number, kind: "gzip-trailing-junk", bytes: gz + junk)
        case 7:
            return Case(number: number, kind: "gzip-magic-only", bytes: Array(gz.prefix(2 + rng.below(9))), mustFail: true)
        default:
            for _ in 0 ..< 1 + rng.below(6) { gz[10 + rng.below(n - 18)] ^= UInt8(1) << UInt8(rng.below(8)) }
            return Case(number: number, kind: "gzip-bit-flips", bytes: gz)
        }
    }
}

/// Crash notes: if a case kills the test process, a signal handler names it on stderr, then
/// hands the signal to the handler that was installed before (the Swift runtime's backtracer).
enum FuzzCrashNote {
    nonisolated(unsafe) static let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: 512)
    nonisolated(unsafe) static var length = 0
    /// The actions replaced by `install`, indexed by signal number.
    nonisolated(unsafe) static let saved: UnsafeMutablePointer<sigaction> = {
        let p = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
        p.initialize(repeating: sigaction(), count: 65)
        return p
    }()
    static let signals = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE]

    static func set(_ text: String) {
        let bytes = Array(text.utf8.prefix(511))
        for (i, b) in bytes.enumerated() { buffer[i] = CChar(bitPattern: b) }
        length = bytes.count
    }

    static func install() {
        for s in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                let prefix = "\n*** fuzz case crashed the reader: "
                _ = prefix.withCString { write(2, $0, strlen($0)) }
                _ = write(2, FuzzCrashNote.buffer, FuzzCrashNote.length)
                _ = write(2, "\n", 1)
                // Restore the previous action; the faulting instruction runs again and reaches it
                // (abort() re-raises by itself).
                sigaction(sig, FuzzCrashNote.saved + Int(sig), nil)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(s, &action, saved + Int(s))
        }
    }

    static func uninstall() {
        for s in signals { sigaction(s, saved + Int(s), nil) }
    }
}

final class FuzzTests: XCTestCase {
    enum Outcome {
        case accepted(Problem)
        case rejected(InputError)
    }

    static func read(_ bytes: [UInt8], name: String) -> Outcome {
        do {
            return .accepted(try ProblemReader.read(bytes: bytes, name: name))
        } catch {
            return .rejected(error)
        }
    }

    static func same(_ a: Problem, _ b: Problem) -> Bool {
        a.intervalLo == b.intervalLo && a.intervalHi == b.intervalHi && a.strategyOffset == b.strategyOffset
            && a.nodeCost == b.nodeCost && a.nodeUsage == b.nodeUsage && a.edgeNodeOffset == b.edgeNodeOffset
            && a.edgeNodes == b.edgeNodes && a.edgeCostOffset == b.edgeCostOffset && a.edgeCost == b.edgeCost
            && a.usageLimit == b.usageLimit
    }

    /// What must hold for every case read in-process; returns the problems found.
    static func check(_ c: FuzzCorpus.Case, _ outcome: Outcome, name: String) -> [String] {
        var problems: [String] = []
        switch outcome {
        case .accepted(let p):
            // An accepted problem is usable: the evaluator, the cliques and the statistics run.
            let zeros = [Int](repeating: 0, count: p.nodeCount)
            if (try? Evaluator.evaluate(p, zeros)) == nil { problems.append("accepted, but the all-zero solution does not evaluate") }
            _ = IntervalCliques(p)
            _ = InstanceStats.minimumUsagePeak(p)
            if c.mustFail { problems.append("accepted corrupt input (\(c.kind))") }
            if let e = c.equivalent, !same(p, e) { problems.append("read as a different problem than the original") }
        case .rejected(let e):
            if e.file != name { problems.append("the error names file \"\(e.file)\", not \"\(name)\"") }
            if e.message.isEmpty { problems.append("empty error message") }
            // One `error:` line: control characters in keys are escaped in the JSON path
            // (see testErrorMessagesStayOnOneLine).
            if e.description.contains("\n") || e.description.contains("\r") {
                problems.append("multi-line error message: \(e.description.debugDescription.prefix(300))")
            }
            if c.equivalent != nil { problems.append("rejected a meaning-preserving rewrite: \(e)") }
        }
        if let other = c.sameOutcomeAs {
            switch (outcome, read(other, name: name)) {
            case (.accepted(let a), .accepted(let b)):
                if !same(a, b) { problems.append("gzip and plain text read as different problems") }
            case (.rejected(let a), .rejected(let b)):
                if a.path != b.path { problems.append("gzip and plain text fail differently: \(a) vs \(b)") }
            case (.accepted, .rejected(let b)): problems.append("gzip accepted, plain text rejected: \(b)")
            case (.rejected(let a), .accepted): problems.append("gzip rejected, plain text accepted: \(a)")
            }
        }
        return problems
    }

    /// Thousands of mutated inputs through `ProblemReader.read(bytes:)`: each either reads as a
    /// usable problem or throws a one-line InputError naming the input; meaning-preserving
    /// rewrites read back identical; gzip and plain text agree; corrupt gzip checksums fail.
    func testMutatedInstancesInProcess() throws {
        let corpus = FuzzCorpus.shared
        let count = Reliability.scaled(10_000)
        var accepted = 0, rejected = 0
        var kinds: [String: (accepted: Int, rejected: Int)] = [:]
        var messages: Set<String> = []
        var failures: [String] = []
        var slowest = (0.0, 0)
        FuzzCrashNote.install()
        defer { FuzzCrashNote.uninstall() }
        let t0 = MonotonicClock.seconds()
        for n in 0 ..< count {
            let c = corpus.make(case: n)
            FuzzCrashNote.set("case \(n) (\(c.kind)); rebuild with FuzzCorpus.shared.make(case: \(n))")
            let name = "fuzz-\(n).json"
            let t = MonotonicClock.seconds()
            let outcome = Self.read(c.bytes, name: name)
            let dt = MonotonicClock.seconds() - t
            if dt > slowest.0 { slowest = (dt, n) }
            let family = String(c.kind.prefix { $0 != "(" })
            switch outcome {
            case .accepted: accepted += 1; kinds[family, default: (0, 0)].accepted += 1
            case .rejected(let e):
                rejected += 1
                kinds[family, default: (0, 0)].rejected += 1
                messages.insert(e.message.replacingOccurrences(of: #"[0-9]+"#, with: "N", options: .regularExpression))
            }
            for problem in Self.check(c, outcome, name: name) {
                let kept = Reliability.keep(c.bytes, name: name)
                failures.append("fuzz case \(n) (\(c.kind)): \(problem)\n  input kept at \(kept)")
            }
        }
        let elapsed = MonotonicClock.seconds() - t0
        print("fuzz in-process: \(count) cases in \(String(format: "%.1f", elapsed)) s: \(accepted) accepted, \(rejected) rejected with \(messages.count) distinct messages; slowest case \(slowest.1) (\(String(format: "%.3f", slowest.0)) s)")
        for (k, v) in kinds.sorted(by: { $0.key < $1.key }) { print("  \(k): \(v.accepted) accepted, \(v.rejected) rejected") }
        for f in failures.prefix(30) { XCTFail(f) }
        if failures.count > 30 { XCTFail("... and \(failures.count - 30) more") }
        XCTAssertLessThan(slowest.0, 2.0, "case \(slowest.1) took \(slowest.0) s to read")
        // The fuzzer must reach both outcomes in quantity, or it tests nothing.
        XCTAssertGreaterThan(accepted, count / 20)
        XCTAssertGreaterThan(rejected, count / 3)
    }

    /// A sample of the same cases through the binary. Rejected input: exit 2, stderr exactly
    /// one `error:` line with the reader's message, no solution line, no signal. Accepted input:
    /// the solve contract (exit 0, feasible improving lines, `[]` exactly when infeasible).
    func testMutatedInstancesThroughTheBinary() throws {
        _ = try CLI.binary()
        let corpus = FuzzCorpus.shared
        let count = Reliability.scaled(160)
        let dir = try Reliability.scratchDirectory("fuzz-binary")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let failures = Reliability.Failures()
        let lock = NSLock()
        nonisolated(unsafe) var solved = 0, errors = 0
        let timeout = 0.3
        Reliability.parallel(count) { k in
            let n = 100_000 + k * 7
            let c = corpus.make(case: n)
            let path = dir + "/fuzz-\(n).json"
            func fail(_ text: String) {
                failures.add("fuzz case \(n) (\(c.kind)): \(text)\n  input kept at \(Reliability.keep(c.bytes, name: "fuzz-\(n).json"))")
            }
            do {
                try Reliability.write(c.bytes, to: path)
                let expected = Self.read(c.bytes, name: path)
                let r = try Reliability.Child.iopddl([path, String(timeout), "--threads", "1"], killAfter: 20)
                if r.signal != nil || r.killedAsHung { fail(r.summary()); return }
                switch expected {
                case .rejected(let e):
                    lock.lock(); errors += 1; lock.unlock()
                    if r.exitCode != 2 { fail("expected exit 2: \(r.summary())") }
                    if r.stderr != "error: \(e.description)\n" {
                        fail("expected exactly the line \"error: \(e.description)\" on stderr:\n\(r.summary())")
                    }
                    if r.stdoutLines.contains(where: { $0.hasPrefix("[") }) { fail("solution-like stdout: \(r.summary())") }
                case .accepted(let p):
                    lock.lock(); solved += 1; lock.unlock()
                    let check = Reliability.checkSolve(r, p, timeout: timeout)
                    for problem in check.problems { fail(problem + "\n" + r.summary()) }
                    let feasible = p.usageLimit.map { InstanceStats.minimumUsagePeak(p) <= Int128($0) } ?? true
                    if feasible && check.finalSolution == nil && p.nodeCount > 0 { fail("[] on a feasible instance: \(r.summary())") }
                    if !feasible && r.lastLine != "[]" { fail("a solution on an infeasible instance: \(r.summary())") }
                }
            } catch {
                fail("harness error: \(error)")
            }
            try? FileManager.default.removeItem(atPath: path)
        }
        print("fuzz through the binary: \(count) cases, \(errors) rejected, \(solved) solved")
        failures.report()
    }

    /// Fuzzed command lines: never a signal or a hang; exit 0 with a solution as the last line,
    /// or exit 2 with exactly one `error:` line and no solution line.
    func testFuzzedCommandLines() throws {
        _ = try CLI.binary()
        let tiny = CLI.example("tiny.json")
        let words = [tiny, tiny, tiny, "0.3", "0.3", "1", "0", "-1", "-0.5", "abc", "1e400", "nan", "inf", "-inf", "0x10",
                     "--threads", "--threads", "0", "2", "1025", "-3", "--seed", "4294967295", "18446744073709551616",
                     "--max-iterations", "100", "-7", "--margin", "0.29", "5", "--quiet", "--debug-checks", "--bogus", "-x",
                     "", " ", "--", "solve", "evaluate", "stats", "/nonexistent", "/", "/dev/null", CLI.example(""),
                     "--help", "-h", "--version", "\u{1}", "0.3s", "1,5", "٣"]
        let count = Reliability.scaled(120)
        let failures = Reliability.Failures()
        let seen = NSLock()
        nonisolated(unsafe) var exits: [Int32: Int] = [:]
        Reliability.parallel(count) { k in
            var rng = Reliability.RNG(seed: 31337 &+ UInt64(k))
            var args = (0 ..< rng.below(6)).map { _ in rng.pick(words) }
            if k % 3 == 0 { args = [tiny, rng.pick(["0.3", "1", "0", "-2", "x", "1e-9", "0.001"])] + args }
            do {
                let r = try Reliability.Child.iopddl(args, killAfter: 20)
                seen.lock(); exits[r.exitCode ?? -1, default: 0] += 1; seen.unlock()
                let shown = args.map { $0.debugDescription }.joined(separator: " ")
                if r.signal != nil || r.killedAsHung { failures.add("iopddl \(shown): \(r.summary())"); return }
                switch r.exitCode {
                case 0:
                    let isHelp = args.contains { ["--help", "-h", "--version"].contains($0) }
                    if !isHelp && args.first != "stats" && !(args.first == "evaluate") {
                        if !(r.lastLine?.hasPrefix("[") ?? false) { failures.add("iopddl \(shown): exit 0 without a solution line: \(r.summary())") }
                    }
                case 2:
                    if r.stderrLines.filter({ $0.hasPrefix("error:") }).count != 1 || !(r.stderrLines.first?.hasPrefix("error: ") ?? false) {
                        failures.add("iopddl \(shown): exit 2 without exactly one leading `error:` line: \(r.summary())")
                    }
                    if r.stdoutLines.contains(where: { $0.hasPrefix("[") }) { failures.add("iopddl \(shown): exit 2 with a solution line: \(r.summary())") }
                case 1 where args.first == "evaluate":
                    break
                default:
                    failures.add("iopddl \(shown): unexpected \(r.how): \(r.summary())")
                }
            } catch {
                failures.add("harness error: \(error)")
            }
        }
        print("fuzzed command lines: \(count) runs, exit codes \(exits.sorted { $0.key < $1.key })")
        failures.report()
    }

    /// The named bad command lines of the issue, each with a usage error (exit 2, one `error:`).
    func testBadCommandLinesGetUsageErrors() throws {
        let tiny = CLI.example("tiny.json")
        let cases: [([String], String)] = [
            (["/nonexistent/x.json", "1"], "cannot open"),
            ([CLI.repo.appendingPathComponent("examples").path, "1"], "is a directory"),
            ([tiny, "0"], "TIMEOUT_SECONDS"),
            ([tiny, "-1"], "timeout"),
            ([tiny, "-0.5"], "timeout"),
            ([tiny, "abc"], "abc"),
            ([tiny, "nan"], "TIMEOUT_SECONDS"),
            ([tiny, ""], "timeout"),
            ([tiny, "1", "--threads", "0"], "--threads"),
            ([tiny, "1", "--threads", "x"], "threads"),
            ([tiny, "1", "--seed", "-1"], "-1"),  // names the wrong argument: testNegativeOptionValueIsNamed
            ([tiny, "1", "--max-iterations", "-5"], "-5"),
            ([tiny, "1", "--margin", "2"], "margin"),
            ([tiny, "1", "--bogus"], "bogus"),
            (["/dev/null", "1"], "expected a JSON object"),
        ]
        for (args, mention) in cases {
            let r = try Reliability.Child.iopddl(args, killAfter: 20)
            let shown = args.map { $0.debugDescription }.joined(separator: " ")
            XCTAssertNil(r.signal, "\(shown): \(r.summary())")
            XCTAssertEqual(r.exitCode, 2, "\(shown): \(r.summary())")
            XCTAssertEqual(r.stderrLines.filter { $0.hasPrefix("error:") }.count, 1, "\(shown): \(r.summary())")
            XCTAssertTrue(r.stderr.lowercased().contains(mention.lowercased()), "\(shown): stderr lacks \(mention): \(r.summary())")
            XCTAssertFalse(r.stdoutLines.contains { $0.hasPrefix("[") }, "\(shown): \(r.summary())")
        }
    }

    // MARK: - Fixed bugs (benchmarks/RELIABILITY.md, bugs 1, 5 and 6)

    /// Escaped control characters in a key (`"a\nb"`, `"\u001b[31m"`) stay escaped in the JSON
    /// path of the error, so the CLI's single `error:` line neither breaks in two nor colours
    /// the terminal (they were echoed raw).
    func testErrorMessagesStayOnOneLine() throws {
        for text in [#"{"problem": {"nodes": {"a\nb": [1,}}}"#, #"{"problem": {"a\rb": 1, "a\rb": 2}}"#,
                     #"{"problem": {"x\u001b[31m": [}}"#] {
            let name = "keys.json"
            switch Self.read(Array(text.utf8), name: name) {
            case .accepted: XCTFail("accepted \(text)")
            case .rejected(let e):
                XCTAssertFalse(e.description.unicodeScalars.contains { $0.value < 0x20 }, "control character in \(e.description.debugDescription)")
            }
        }
    }

    /// `--seed -1` is a usage error whose message names the option (it used to blame
    /// TIMEOUT_SECONDS: every negative number on the command line was read as a timeout).
    func testNegativeOptionValueIsNamed() throws {
        let tiny = CLI.example("tiny.json")
        for (option, value) in [("--seed", "-1"), ("--max-iterations", "-5"), ("--threads", "-3")] {
            let r = try Reliability.Child.iopddl([tiny, "1", option, value], killAfter: 20)
            XCTAssertEqual(r.exitCode, 2, r.summary())
            XCTAssertTrue(r.stderr.contains(option), "the error does not name \(option): \(r.summary())")
            XCTAssertFalse(r.stderr.contains("TIMEOUT_SECONDS"), r.summary())
        }
    }

    /// A timeout above ~9.2e9 s (or any huge finite one, e.g. with --max-iterations as the real
    /// limit) runs normally (it used to crash: the wait in nanoseconds overflowed `Int`).
    func testHugeTimeoutDoesNotCrash() throws {
        for t in ["9.3e9", "1e10", "1e300", "18446744073709551615"] {
            let r = try Reliability.Child.iopddl([CLI.example("tiny.json"), t, "--threads", "1", "--max-iterations", "200"],
                                                 killAfter: 20)
            XCTAssertNil(r.signal, "timeout \(t): \(r.summary())")
            XCTAssertEqual(r.exitCode, 0, "timeout \(t): \(r.summary())")
            let check = Reliability.checkSolve(r, try ProblemReader.read(path: CLI.example("tiny.json")), timeout: 20)
            for problem in check.problems { XCTFail("timeout \(t): \(problem)") }
        }
    }
}
