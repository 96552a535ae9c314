import Foundation
@testable import Model
import XCTest

/// The reader's fast paths (rows parsed 8 digits at a time, mapped windows, reserved buffers)
/// against its careful byte-by-byte path. Reading gzip input in chunks smaller than
/// `RowScanner.margin` keeps every row on the careful path, so it serves as the reference: both
/// must give the same arrays, or the same error with the same path, message and byte offset.
final class ReaderSpeedTests: XCTestCase {
    let temp = TempFiles()

    override func tearDown() {
        temp.removeAll()
        super.tearDown()
    }

    // MARK: - Helpers

    /// A valid problem as text, with numbers of every width and, per `spacing`, whitespace:
    /// 0 none, 1 one space after commas, 2 random runs of all four kinds between all tokens.
    struct RandomDoc {
        var rng: SplitMix64
        let spacing: Int
        var out = ""

        init(seed: UInt64, spacing: Int) {
            rng = SplitMix64(seed: seed)
            self.spacing = spacing
        }

        mutating func space() {
            switch spacing {
            case 0: break
            case 1: out += " "
            default:
                for _ in 0 ..< rng.int(0 ... 3) { out += [" ", "\n", "\t", "\r\n"][rng.int(0 ... 3)] }
            }
        }

        mutating func number(nonNegative: Bool) -> String {
            var v: Int64
            switch rng.next() % 10 {
            case 0: v = Int64(rng.next() % 10)
            case 1: v = Int64(rng.next() % 100_000_000)  // up to 8 digits: one word
            case 2: v = Int64(rng.next() % 10_000_000_000_000_000)  // up to 16 digits: two words
            case 3: v = 1_000_000_000_000_000_000
            case 4: v = Int64.max - Int64(rng.next() % 3)
            case 5: v = Int64(bitPattern: rng.next())
            case 6: v = Int64.min + Int64(rng.next() % 3)
            default: v = Int64(rng.next() % 100_000)
            }
            if nonNegative { v = v == Int64.min ? 0 : abs(v) }
            var s = String(v)
            if rng.next() % 50 == 0 && s.count < 15 {
                // Leading zeros: not strict JSON, but accepted by the reader.
                let zeros = String(repeating: "0", count: rng.int(1 ... 4))
                s = s.hasPrefix("-") ? "-" + zeros + s.dropFirst() : zeros + s
            }
            return s
        }

        mutating func row(_ count: Int, nonNegative: Bool = false) {
            out += "["
            space()
            for i in 0 ..< count {
                if i > 0 {
                    if spacing == 2 { space() }
                    out += ","
                    space()
                }
                out += number(nonNegative: nonNegative)
            }
            space()
            out += "]"
        }

        mutating func matrix(_ rows: Int, _ body: (inout RandomDoc, Int) -> Void) {
            out += "["
            space()
            for r in 0 ..< rows {
                if r > 0 {
                    out += ","
                    space()
                }
                body(&self, r)
            }
            space()
            out += "]"
        }

        mutating func build(nodes n: Int, edges m: Int, maxStrategies: Int) -> String {
            var k: [Int] = []
            for _ in 0 ..< n { k.append(rng.next() % 7 == 0 ? rng.int(1 ... maxStrategies) : rng.int(1 ... 4)) }
            var pairs: [(Int, Int)] = []
            for _ in 0 ..< m { pairs.append((rng.int(0 ... n - 1), rng.int(0 ... n - 1))) }
            out = "{\"problem\": {\"edges\": {\"costs\": "
            matrix(m) { d, e in d.row(k[pairs[e].0] * k[pairs[e].1]) }
            out += ", \"nodes\": "
            matrix(m) { d, e in
                d.out += "[\(pairs[e].0),"
                d.space()
                d.out += "\(pairs[e].1)]"
            }
            out += "}, \"name\": \"random\", \"nodes\": {\"costs\": "
            matrix(n) { d, i in d.row(k[i]) }
            out += ", \"intervals\": "
            matrix(n) { d, _ in d.row(2) }
            out += ", \"usages\": "
            matrix(n) { d, i in d.row(k[i], nonNegative: true) }
            out += "}, \"usage_limit\": 123456789}}\n"
            return out
        }
    }

    /// The problem, or the error's path and message (byte offset included), of one way of reading.
    enum Outcome: Equatable, CustomStringConvertible {
        case problem(ProblemDigest)
        case error(path: String, message: String)

        var description: String {
            switch self {
            case .problem(let d): return "a problem with \(d.arrays.map(\.count)) entries"
            case .error(let path, let message): return "error at '\(path)': \(message)"
            }
        }

        /// Where two outcomes differ first, for failure messages.
        func difference(from other: Outcome) -> String {
            if case .problem(let a) = self, case .problem(let b) = other {
                let names = ["intervalLo", "intervalHi", "strategyOffset", "nodeCost", "nodeUsage", "edgeNodeOffset",
                             "edgeNodes", "edgeCostOffset", "edgeCost"]
                for (k, name) in names.enumerated() where a.arrays[k] != b.arrays[k] {
                    let i = zip(a.arrays[k], b.arrays[k]).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                        ?? min(a.arrays[k].count, b.arrays[k].count)
                    let x = i < a.arrays[k].count ? String(a.arrays[k][i]) : "nothing"
                    let y = i < b.arrays[k].count ? String(b.arrays[k][i]) : "nothing"
                    return "\(name)[\(i)]: \(x) instead of \(y)"
                }
                return "usageLimit: \(String(describing: a.limit)) instead of \(String(describing: b.limit))"
            }
            return "\(self) instead of \(other)"
        }
    }

    /// Every array of a problem, for equality.
    struct ProblemDigest: Equatable {
        var arrays: [[Int64]]
        var limit: Int64?
        init(_ p: Problem) {
            arrays = [p.intervalLo, p.intervalHi, p.strategyOffset.map(Int64.init), p.nodeCost, p.nodeUsage,
                      p.edgeNodeOffset.map(Int64.init), p.edgeNodes.map(Int64.init), p.edgeCostOffset.map(Int64.init),
                      p.edgeCost]
            limit = p.usageLimit
        }
    }

    private func outcome(_ path: String, window: Int = 1 << 26, chunkSize: Int = 1 << 22) -> Outcome {
        do {
            return .problem(ProblemDigest(try ProblemReader.readWithInfo(path: path, window: window, chunkSize: chunkSize).problem))
        } catch {
            return .error(path: error.path, message: error.message)
        }
    }

    /// Reads `text` the careful way (gzip in 48-byte chunks) and the fast ways (mapped whole,
    /// mapped in 64 KiB windows); all must agree. Returns the careful outcome.
    @discardableResult
    private func assertPathsAgree(_ text: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws -> Outcome {
        let bytes = Array(text.utf8)
        let plain = try temp.write(bytes, "plain.json")
        let gz = try temp.write(try gzipBytes(bytes, temp: temp, level: 1), "careful.json.gz")
        let careful = outcome(gz, chunkSize: 48)
        for (window, how) in [(1 << 26, "mapped whole"), (1 << 16, "64 KiB windows")] {
            let fast = outcome(plain, window: window)
            if fast != careful { XCTFail("\(what), \(how): \(fast.difference(from: careful))", file: file, line: line) }
        }
        return careful
    }

    // MARK: - Valid input

    func testFastPathsMatchCarefulPathOnRandomDocuments() throws {
        for (seed, spacing) in [(UInt64(1), 0), (2, 1), (3, 2), (4, 0)] {
            var doc = RandomDoc(seed: seed, spacing: spacing)
            let text = doc.build(nodes: 400, edges: 500, maxStrategies: 40)
            XCTAssertGreaterThan(text.utf8.count, 2 << 16, "seed \(seed): spans several windows")
            let careful = try assertPathsAgree(text, "seed \(seed), spacing \(spacing)")
            guard case .problem = careful else {
                XCTFail("seed \(seed): the random document is invalid: \(careful)")
                continue
            }
        }
    }

    func testGzipInLargeChunksMatchesCarefulPath() throws {
        var doc = RandomDoc(seed: 11, spacing: 0)
        let bytes = Array(doc.build(nodes: 300, edges: 400, maxStrategies: 30).utf8)
        let gz = try temp.write(try gzipBytes(bytes, temp: temp, level: 1), "big.json.gz")
        // 4 KiB chunks: the fast path runs, and rows cross chunk boundaries all the time.
        let fast = outcome(gz, chunkSize: 4096), careful = outcome(gz, chunkSize: 48)
        XCTAssertEqual(fast, careful, fast.difference(from: careful))
    }

    func testNamedPipeIsReadLikeAFile() throws {
        var doc = RandomDoc(seed: 12, spacing: 1)
        let bytes = Array(doc.build(nodes: 200, edges: 300, maxStrategies: 20).utf8)
        let plain = try temp.write(bytes, "plain.json")
        let fifo = temp.path("fifo")
        guard mkfifo(fifo, 0o600) == 0 else { throw XCTSkip("mkfifo failed") }
        let writer = Thread {
            guard let h = FileHandle(forWritingAtPath: fifo) else { return }
            h.write(Data(bytes))
            try? h.close()
        }
        writer.start()
        // 1000-byte reads: rows cross buffer boundaries.
        let piped = outcome(fifo, chunkSize: 1000), mapped = outcome(plain)
        XCTAssertEqual(piped, mapped, piped.difference(from: mapped))
        guard case .problem = mapped else { return XCTFail("the random document is invalid: \(mapped)") }
    }

    // MARK: - Invalid input: the same error, byte offset included

    func testEveryNumberFormAgreesWithCarefulPath() throws {
        // Replaces entry 5 of edges.costs[2] (well inside the fast path's reach) with each form.
        var doc = RandomDoc(seed: 41, spacing: 0)
        let base = doc.build(nodes: 30, edges: 40, maxStrategies: 12)
        let forms = [
            "0", "-0", "00", "7", "12345678", "123456789", "-12345678", "1234567890123456",
            "12345678901234567", "123456789012345678", "1234567890123456789", "1000000000000000000",
            "9223372036854775807", "-9223372036854775808", "09223372036854775807", "0000000000000000000001",
            // Errors: too large (19 and 20 digits, including values that wrap around 2^64), fractions, junk.
            "9223372036854775808", "-9223372036854775809", "9999999999999999999", "99999999999999999999",
            "18446744073709551616", "18446744073709551617", "36893488147419103232", "123456789012345678901234",
            "1.0", "1.", "1e5", "1E5", "12345678.5", "1234567890123456789.0", "-", "--1", "+1", "1-", "-x",
            "1 2", " 1 ", "\t-3\n", "", "[1]", "\"1\"", "null", "0x10",
        ]
        let costs = base.range(of: "\"costs\": ")!.upperBound
        var rowStart = base[costs...].firstIndex(of: "[")!  // the matrix
        for _ in 0 ..< 3 { rowStart = base[base.index(after: rowStart)...].firstIndex(of: "[")! }  // row 2
        var messages: [String] = []
        for form in forms {
            let row = base[rowStart...]
            let close = row.firstIndex(of: "]")!
            var entries = row[row.index(after: rowStart) ..< close].split(separator: ",", omittingEmptySubsequences: false)
            XCTAssertGreaterThan(entries.count, 5, "row 2 is long enough")
            entries[5] = Substring(form)
            let text = String(base[..<rowStart]) + "[" + entries.joined(separator: ",") + String(base[close...])
            let careful = try assertPathsAgree(text, "form \"\(form)\"")
            if case .error(_, let message) = careful { messages.append(message) }
        }
        for kind in ["fraction or exponent", "fits in 64 bits", "expected an integer, found", "expected ',' or ']'"] {
            XCTAssertTrue(messages.contains { $0.contains(kind) }, "no \"\(kind)\" among \(messages)")
        }
    }

    func testFastPathsGiveTheCarefulErrors() throws {
        var doc = RandomDoc(seed: 21, spacing: 0)
        let base = Array(doc.build(nodes: 30, edges: 40, maxStrategies: 12).utf8)
        // Places inside the integer matrices, where the fast path runs.
        let first = base.firstIndex(of: 0x5B)! + 2
        let last = Array(base).lastIndex(of: 0x5D)! - 40
        let inserts = [".", ".5", "e3", "E", "x", " ", "\n", "-", "--", ",", ",,", "[", "]", "\"", "1 2",
                       "99999999999999999999", "9223372036854775808", "9223372036854775807",
                       "-9223372036854775809", "00000000000000000000000001", "1.", "-0"]
        var rng = SplitMix64(seed: 77)
        var messages: [String] = []
        for trial in 0 ..< 60 {
            var bytes = base
            let at = rng.int(first ... last)
            let insert = Array(inserts[rng.int(0 ... inserts.count - 1)].utf8)
            if rng.next() % 2 == 0 {
                bytes.replaceSubrange(at ..< at + 1, with: insert)
            } else {
                bytes.insert(contentsOf: insert, at: at)
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let careful = try assertPathsAgree(text, "trial \(trial): \(String(decoding: insert, as: UTF8.self)) at \(at)")
            if case .error(_, let message) = careful { messages.append(message) }
        }
        // The mutations reach the interesting errors, not just one kind.
        for kind in ["fraction or exponent", "fits in 64 bits", "expected an integer, found", "expected ',' or ']'"] {
            XCTAssertTrue(messages.contains { $0.contains(kind) }, "no \"\(kind)\" among \(messages)")
        }
    }

    func testErrorAfterWindowBoundaryHasTheRightOffset() throws {
        // A fraction far into the file, past several 64 KiB windows.
        var doc = RandomDoc(seed: 31, spacing: 1)
        var text = doc.build(nodes: 400, edges: 500, maxStrategies: 40)
        let target = text.utf8.count * 3 / 4
        var i = text.utf8.index(text.utf8.startIndex, offsetBy: target)
        while !(text.utf8[i] >= 0x30 && text.utf8[i] <= 0x39) { i = text.utf8.index(after: i) }
        let offset = text.utf8.distance(from: text.utf8.startIndex, to: i)
        text.replaceSubrange(i ..< text.utf8.index(after: i), with: ".")
        let careful = try assertPathsAgree(text, "fraction at \(offset)")
        guard case .error(_, let message) = careful else { return XCTFail("accepted: \(careful)") }
        XCTAssertTrue(message.hasSuffix("(at byte \(offset))"), message)
    }

    // MARK: - FlatBuilder

    func testFlatBuilderGrowsPastItsReservation() {
        for reserve in [0, 1000, 200_000] {
            var b = FlatBuilder<Int64>(reserve: reserve)
            for i in 0 ..< 1_000_003 { b.append(Int64(i) * 3 - 7) }
            XCTAssertEqual(b.count, 1_000_003)
            b.truncate(to: 1_000_000)
            let a = b.finish()
            XCTAssertEqual(a.count, 1_000_000, "reserve \(reserve)")
            XCTAssertTrue(a.enumerated().allSatisfy { $0.element == Int64($0.offset) * 3 - 7 }, "reserve \(reserve)")
        }
    }

    func testFinishHandsWholePagesOver() {
        // Over 32 MiB: glibc's malloc maps such blocks on their own (smaller ones may come from
        // its heap, at another offset within a page, and are copied instead).
        var b = FlatBuilder<Int64>(reserve: 1 << 24, warmer: PageWarmer())
        let n = 5_000_017
        for i in 0 ..< n { b.append(Int64(i) &* 0x9E37_79B9) }
        var (a, moved) = b.finishCountingMoves()
        #if os(Linux)
            XCTAssertGreaterThan(moved, (n - 2048) * 8, "pages were copied, not moved")
        #endif
        XCTAssertEqual(a.count, n)
        XCTAssertTrue(a.enumerated().allSatisfy { $0.element == Int64($0.offset) &* 0x9E37_79B9 })
        // The Array owns its storage like any other: it can be written, grown and freed.
        a[n / 2] = -1
        a.append(7)
        XCTAssertEqual(a[n / 2], -1)
        XCTAssertEqual(a.count, n + 1)
        a = []
        // Offsets (Int) take the same path.
        var o = FlatBuilder<Int>(reserve: 1 << 22)
        for i in 0 ..< 1_000_000 { o.append(i) }
        XCTAssertEqual(o.finish(), Array(0 ..< 1_000_000))
    }

    func testFlatBuilderEmpty() {
        var b = FlatBuilder<Int>(reserve: 1 << 24)
        XCTAssertEqual(b.finish(), [])
    }
}
