#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Streaming reader for problem files (`.json` or gzip-compressed, detected by magic bytes).
///
/// Scans bytes straight into the flat arrays of `Problem`: no JSON DOM. Keys may come in any
/// order, unknown keys are skipped (validated as JSON, without recursion), and every error names
/// the file, the JSON path, what was expected and what was found.
public enum ProblemReader {
    /// Deepest nesting accepted inside skipped values.
    public static let maxDepth = 10_000

    public static func read(path: String) throws(InputError) -> Problem {
        try readWithInfo(path: path).problem
    }

    /// Sizes seen while reading, for `iopddl stats` and progress output.
    public struct ReadInfo: Sendable {
        public var fileBytes: Int
        public var textBytes: Int
        public var gzip: Bool
    }

    public static func readWithInfo(path: String) throws(InputError) -> (problem: Problem, info: ReadInfo) {
        try readWithInfo(path: path, window: 1 << 26, chunkSize: 1 << 22)
    }

    /// `window`: bytes of a plain file mapped at a time (a multiple of 64 KiB); `chunkSize`:
    /// bytes per buffer when inflating or reading a pipe. Tests make both small.
    static func readWithInfo(path: String, window: Int, chunkSize: Int) throws(InputError) -> (problem: Problem, info: ReadInfo) {
        let source = try ByteSource(path: path)
        var scanner = JSONScanner(reader: ChunkReader(source, window: window, chunkSize: chunkSize), sizeHint: source.textSizeHint,
                                  warmPages: !source.isGzip)
        let problem = try scanner.parseDocument()
        return (problem, ReadInfo(fileBytes: source.fileBytesRead, textBytes: source.bytesProduced, gzip: source.isGzip))
    }

    /// Reads a problem from bytes in memory (tests, stdin).
    public static func read(bytes: [UInt8], name: String = "<memory>") throws(InputError) -> Problem {
        // Write to a temporary file so that the one code path (including gzip) is exercised.
        var template = Array("/tmp/iopddl-input-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd < 0 { throw InputError(file: name, path: "", "cannot create a temporary file") }
        let tmpPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer { unlink(tmpPath) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n <= 0 { close(fd); throw InputError(file: name, path: "", "cannot write a temporary file") }
            written += n
        }
        close(fd)
        do {
            return try read(path: tmpPath)
        } catch {
            var e = error
            e.file = name
            throw e
        }
    }
}

/// Byte-level JSON scanner over a `ByteSource`, specialised for the problem schema.
struct JSONScanner {
    private let reader: ChunkReader
    private var buffer: UnsafeMutablePointer<UInt8>
    private var pos = 0
    private var end = 0
    /// Bytes consumed before the current buffer (for byte offsets in messages).
    private var base = 0

    /// A guess of the text size, to reserve address space for the arrays (0: unknown).
    private let sizeHint: Int
    /// Whether a second thread may fault in the arrays' pages ahead of the parser (not when
    /// the second core is busy inflating gzip, the slower of the two).
    private let warmPages: Bool

    init(reader: ChunkReader, sizeHint: Int, warmPages: Bool) {
        self.reader = reader
        self.sizeHint = sizeHint
        self.warmPages = warmPages
        buffer = UnsafeMutablePointer<UInt8>(bitPattern: 8)!  // never read: end == 0
    }

    var file: String { reader.file }

    // MARK: - Byte access

    @inline(__always) private mutating func peek() throws(InputError) -> UInt8 {
        if pos == end { try refill() }
        return pos < end ? buffer[pos] : 0
    }

    private mutating func refill() throws(InputError) {
        base += end
        pos = 0
        (buffer, end) = try reader.nextChunk()
    }

    @inline(__always) private mutating func advance() { pos += 1 }

    @inline(__always) private mutating func skipWhitespace() throws(InputError) -> UInt8 {
        while true {
            let c = try peek()
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos += 1 } else { return c }
        }
    }

    private var offset: Int { base + pos }

    // MARK: - Errors

    private func describe(_ c: UInt8) -> String {
        if pos >= end && c == 0 { return "end of input" }
        switch c {
        case 0x20 ..< 0x7F: return "'\(Character(Unicode.Scalar(c)))'"
        default: return "byte 0x\(String(c, radix: 16))"
        }
    }

    private func error(_ path: @autoclosure () -> String, _ message: String) -> InputError {
        InputError(file: file, path: path(), "\(message) (at byte \(offset))")
    }

    private mutating func expect(_ ch: UInt8, _ path: @autoclosure () -> String) throws(InputError) {
        let c = try skipWhitespace()
        if c != ch {
            throw error(path(), "expected '\(Character(Unicode.Scalar(ch)))', found \(describe(c))")
        }
        pos += 1
    }

    // MARK: - Scalars

    /// Parses a JSON integer that fits Int64. Rejects fractions and exponents.
    @inline(__always)
    private mutating func parseInt(_ loc: Loc) throws(InputError) -> Int64 {
        var c = try skipWhitespace()
        var negative = false
        if c == 0x2D {  // '-'
            negative = true
            pos += 1
            c = try peek()
        }
        // Fast path: up to 19 digits (no UInt64 overflow), all inside the current chunk.
        if end - pos > 20 {
            var q = pos
            var value: UInt64 = 0
            var d = buffer[q] &- 0x30
            if d <= 9 {
                repeat {
                    value = value &* 10 &+ UInt64(d)
                    q += 1
                    d = buffer[q] &- 0x30
                } while d <= 9 && q - pos < 19
                if d > 9 && value <= (negative ? 9_223_372_036_854_775_808 : 9_223_372_036_854_775_807) {
                    let t = buffer[q]
                    if t == 0x2E || t == 0x65 || t == 0x45 {
                        pos = q
                        throw error(loc.text, "expected an integer, found a number with a fraction or exponent")
                    }
                    pos = q
                    return negative ? Int64(bitPattern: 0 &- value) : Int64(value)
                }
            }
        }
        return try parseIntSlow(loc, negative: negative)
    }

    private mutating func parseIntSlow(_ loc: Loc, negative: Bool) throws(InputError) -> Int64 {
        var c = try peek()
        var d = c &- 0x30
        if d > 9 {
            throw error(loc.text, "expected an integer, found \(describe(c))")
        }
        var value: UInt64 = 0
        // Int64.max + 1 for the negative case.
        let limit: UInt64 = negative ? 9_223_372_036_854_775_808 : 9_223_372_036_854_775_807
        repeat {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 || a > limit {
                throw error(loc.text, "expected an integer that fits in 64 bits, found a larger number")
            }
            value = a
            pos += 1
            if pos == end { try refill() }
            c = pos < end ? buffer[pos] : 0
            d = c &- 0x30
        } while d <= 9
        if c == 0x2E || c == 0x65 || c == 0x45 {  // '.', 'e', 'E'
            throw error(loc.text, "expected an integer, found a number with a fraction or exponent")
        }
        return negative ? Int64(bitPattern: 0 &- value) : Int64(value)
    }

    private mutating func parseString(_ path: @autoclosure () -> String) throws(InputError) -> String {
        let c = try skipWhitespace()
        if c != 0x22 { throw error(path(), "expected a string, found \(describe(c))") }
        pos += 1
        var bytes: [UInt8] = []
        while true {
            let c = try peek()
            if pos >= end { throw error(path(), "unterminated string, found end of input") }
            pos += 1
            if c == 0x22 { break }
            if c < 0x20 { throw error(path(), "control character in string") }
            if c == 0x5C {  // backslash
                let e = try peek()
                if pos >= end { throw error(path(), "unterminated string, found end of input") }
                pos += 1
                switch e {
                case 0x22, 0x5C, 0x2F: bytes.append(e)
                case 0x62: bytes.append(0x08)
                case 0x66: bytes.append(0x0C)
                case 0x6E: bytes.append(0x0A)
                case 0x72: bytes.append(0x0D)
                case 0x74: bytes.append(0x09)
                case 0x75:
                    var code: UInt32 = 0
                    for _ in 0 ..< 4 {
                        let h = try peek()
                        guard let v = hexValue(h) else { throw error(path(), "bad \\u escape in string") }
                        code = code * 16 + v
                        pos += 1
                    }
                    let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                    bytes.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw error(path(), "bad escape in string")
                }
            } else {
                bytes.append(c)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30 ... 0x39: return UInt32(c - 0x30)
        case 0x41 ... 0x46: return UInt32(c - 0x41 + 10)
        case 0x61 ... 0x66: return UInt32(c - 0x61 + 10)
        default: return nil
        }
    }

    private mutating func parseLiteral(_ word: StaticString, _ path: @autoclosure () -> String) throws(InputError) {
        let p = word.utf8Start
        for i in 0 ..< word.utf8CodeUnitCount {
            let c = try peek()
            if c != p[i] { throw error(path(), "expected a JSON value, found \(describe(c))") }
            pos += 1
        }
    }

    // MARK: - Generic skipping (iterative: deep nesting cannot overflow the stack)

    private mutating func skipNumber(_ path: @autoclosure () -> String) throws(InputError) {
        var c = try peek()
        if c == 0x2D { pos += 1; c = try peek() }
        var digits = 0
        while true {
            c = try peek()
            if (c >= 0x30 && c <= 0x39) || c == 0x2E || c == 0x65 || c == 0x45 || c == 0x2B || c == 0x2D {
                digits += 1
                pos += 1
            } else {
                break
            }
        }
        if digits == 0 { throw error(path(), "expected a number, found \(describe(c))") }
    }

    private mutating func skipValue(_ path: @autoclosure () -> String) throws(InputError) {
        var stack: [UInt8] = []
        outer: while true {
            // Parse one value start.
            let c = try skipWhitespace()
            switch c {
            case 0x7B:  // {
                pos += 1
                if try skipWhitespace() == 0x7D {
                    pos += 1
                } else {
                    if stack.count >= ProblemReader.maxDepth {
                        throw error(path(), "nesting deeper than \(ProblemReader.maxDepth) levels")
                    }
                    stack.append(0x7B)
                    _ = try parseString(path())
                    try expect(0x3A, path())
                    continue outer
                }
            case 0x5B:  // [
                pos += 1
                if try skipWhitespace() == 0x5D {
                    pos += 1
                } else {
                    if stack.count >= ProblemReader.maxDepth {
                        throw error(path(), "nesting deeper than \(ProblemReader.maxDepth) levels")
                    }
                    stack.append(0x5B)
                    continue outer
                }
            case 0x22: _ = try parseString(path())
            case 0x74: try parseLiteral("true", path())
            case 0x66: try parseLiteral("false", path())
            case 0x6E: try parseLiteral("null", path())
            case 0x2D, 0x30 ... 0x39: try skipNumber(path())
            default: throw error(path(), "expected a JSON value, found \(describe(c))")
            }
            // After a complete value: close containers or move to the next element.
            while let top = stack.last {
                let d = try skipWhitespace()
                if d == 0x2C {  // ,
                    pos += 1
                    if top == 0x7B {
                        _ = try parseString(path())
                        try expect(0x3A, path())
                    }
                    continue outer
                }
                if (d == 0x5D && top == 0x5B) || (d == 0x7D && top == 0x7B) {
                    pos += 1
                    stack.removeLast()
                    continue
                }
                throw error(path(), "expected ',' or '\(top == 0x5B ? "]" : "}")', found \(describe(d))")
            }
            return
        }
    }

    // MARK: - Containers

    /// Iterates over the keys of an object; `body` must consume the value.
    private mutating func forEachKey(
        _ path: String, _ body: (inout JSONScanner, String) throws(InputError) -> Void
    ) throws(InputError) {
        let c = try skipWhitespace()
        if c != 0x7B { throw error(path, "expected an object, found \(describe(c))") }
        pos += 1
        if try skipWhitespace() == 0x7D { pos += 1; return }
        var seen: Set<String> = []
        while true {
            let key = try parseString(path)
            if !seen.insert(key).inserted {
                throw error(path, "duplicate key \"\(key)\"")
            }
            try expect(0x3A, path)
            try body(&self, key)
            let d = try skipWhitespace()
            if d == 0x2C { pos += 1; continue }
            if d == 0x7D { pos += 1; return }
            throw error(path, "expected ',' or '}', found \(describe(d))")
        }
    }

    /// Parses `[int, int, ...]`, appending to `out`; returns the count.
    @inline(__always)
    private mutating func parseIntArray(into out: inout FlatBuilder<Int64>, _ loc: Loc) throws(InputError) -> Int {
        let c = try skipWhitespace()
        if c == 0x5B && end - pos > RowScanner.margin {
            let saved = out.count
            let next = RowScanner.parseRow(buffer, pos, end - RowScanner.margin, &out)
            if next >= 0 {
                pos = next
                return out.count - saved
            }
            out.truncate(to: saved)  // the careful path below redoes the row and names any error
        }
        if c != 0x5B { throw error(loc.text, "expected an array of integers, found \(describe(c))") }
        pos += 1
        if try skipWhitespace() == 0x5D { pos += 1; return 0 }
        var count = 0
        while true {
            out.append(try parseInt(loc.at(count)))
            count += 1
            let d = try skipWhitespace()
            if d == 0x2C { pos += 1; continue }
            if d == 0x5D { pos += 1; return count }
            throw error(loc.at(count - 1).text, "expected ',' or ']', found \(describe(d))")
        }
    }

    /// Parses `[[int, ...], ...]` into a flat array with offsets (`offsets` starts with 0).
    private mutating func parseIntMatrix(
        flat: inout FlatBuilder<Int64>, offsets: inout FlatBuilder<Int>, _ name: StaticString
    ) throws(InputError) {
        let c = try skipWhitespace()
        if c != 0x5B { throw error(Loc(name).text, "expected an array of arrays, found \(describe(c))") }
        pos += 1
        if try skipWhitespace() == 0x5D { pos += 1; return }
        var row = 0
        while true {
            _ = try parseIntArray(into: &flat, Loc(name).at(row))
            offsets.append(flat.count)
            row += 1
            let d = try skipWhitespace()
            if d == 0x2C { pos += 1; continue }
            if d == 0x5D { pos += 1; return }
            throw error(Loc(name).at(row - 1).text, "expected ',' or ']', found \(describe(d))")
        }
    }

    // MARK: - Schema

    mutating func parseDocument() throws(InputError) -> Problem {
        var name = ""
        // Upper bounds from the text size: an integer takes at least 2 bytes ("0,"), a row 3
        // ("[],"), an interval 6 ("[0,0],"). Only address space is reserved, not memory.
        let entries = sizeHint / 2 + 16, rows = sizeHint / 3 + 16, pairs = sizeHint / 6 + 16
        // Large inputs: fault in the entry arrays' pages on a second thread.
        let warmer = warmPages && sizeHint >= 1 << 23 ? PageWarmer() : nil
        var lo = FlatBuilder<Int64>(reserve: pairs), hi = FlatBuilder<Int64>(reserve: pairs)
        var costs = FlatBuilder<Int64>(reserve: entries, warmer: warmer), costOffsets = FlatBuilder<Int>(reserve: rows)
        var usages = FlatBuilder<Int64>(reserve: entries, warmer: warmer), usageOffsets = FlatBuilder<Int>(reserve: rows)
        var edgeNodes64 = FlatBuilder<Int64>(reserve: entries, warmer: warmer), edgeNodeOffsets = FlatBuilder<Int>(reserve: rows)
        var edgeCosts = FlatBuilder<Int64>(reserve: entries, warmer: warmer), edgeCostOffsets = FlatBuilder<Int>(reserve: rows)
        costOffsets.append(0)
        usageOffsets.append(0)
        edgeNodeOffsets.append(0)
        edgeCostOffsets.append(0)
        defer {
            lo.release(); hi.release(); costs.release(); costOffsets.release(); usages.release()
            usageOffsets.release(); edgeNodes64.release(); edgeNodeOffsets.release(); edgeCosts.release()
            edgeCostOffsets.release()
        }
        var limit: Int64? = nil
        var haveProblem = false, haveNodes = false, haveIntervals = false, haveCosts = false
        var haveUsages = false, haveEdgeNodes = false, haveEdgeCosts = false, haveEdges = false

        let first = try skipWhitespace()
        if first != 0x7B {
            throw error("", "expected a JSON object at the top level, found \(describe(first))")
        }
        try forEachKey("") { (s: inout JSONScanner, key: String) throws(InputError) in
            guard key == "problem" else { return try s.skipValue(key) }
            haveProblem = true
            try s.forEachKey("problem") { (s: inout JSONScanner, key: String) throws(InputError) in
                switch key {
                case "name":
                    name = try s.parseString("problem.name")
                case "usage_limit":
                    if try s.skipWhitespace() == 0x6E {
                        try s.parseLiteral("null", "problem.usage_limit")
                    } else {
                        limit = try s.parseInt(Loc("problem.usage_limit"))
                    }
                case "nodes":
                    haveNodes = true
                    try s.forEachKey("problem.nodes") { (s: inout JSONScanner, key: String) throws(InputError) in
                        switch key {
                        case "intervals":
                            haveIntervals = true
                            try s.parseIntervals(lo: &lo, hi: &hi)
                        case "costs":
                            haveCosts = true
                            try s.parseIntMatrix(flat: &costs, offsets: &costOffsets, "problem.nodes.costs")
                        case "usages":
                            haveUsages = true
                            try s.parseIntMatrix(flat: &usages, offsets: &usageOffsets, "problem.nodes.usages")
                        default:
                            try s.skipValue("problem.nodes.\(key)")
                        }
                    }
                case "edges":
                    haveEdges = true
                    try s.forEachKey("problem.edges") { (s: inout JSONScanner, key: String) throws(InputError) in
                        switch key {
                        case "nodes":
                            haveEdgeNodes = true
                            try s.parseIntMatrix(flat: &edgeNodes64, offsets: &edgeNodeOffsets, "problem.edges.nodes")
                        case "costs":
                            haveEdgeCosts = true
                            try s.parseIntMatrix(flat: &edgeCosts, offsets: &edgeCostOffsets, "problem.edges.costs")
                        default:
                            try s.skipValue("problem.edges.\(key)")
                        }
                    }
                default:
                    try s.skipValue("problem.\(key)")
                }
            }
        }
        let trailing = try skipWhitespace()
        if pos < end {
            throw error("", "expected end of input after the top-level object, found \(describe(trailing))")
        }
        func missing(_ path: String, _ key: String) -> InputError {
            InputError(file: file, path: path, "missing required key \"\(key)\"")
        }
        if !haveProblem { throw missing("", "problem") }
        if !haveNodes { throw missing("problem", "nodes") }
        if !haveIntervals { throw missing("problem.nodes", "intervals") }
        if !haveCosts { throw missing("problem.nodes", "costs") }
        if !haveUsages { throw missing("problem.nodes", "usages") }
        if haveEdges && !haveEdgeNodes { throw missing("problem.edges", "nodes") }
        if haveEdges && !haveEdgeCosts { throw missing("problem.edges", "costs") }

        let n = lo.count
        if costOffsets.count - 1 != n {
            throw InputError(file: file, path: "problem.nodes.costs",
                             "expected \(n) entries (one per interval), found \(costOffsets.count - 1)")
        }
        if usageOffsets.count - 1 != n {
            throw InputError(file: file, path: "problem.nodes.usages",
                             "expected \(n) entries (one per interval), found \(usageOffsets.count - 1)")
        }
        for i in 0 ..< n where usageOffsets[i + 1] - usageOffsets[i] != costOffsets[i + 1] - costOffsets[i] {
            let k = costOffsets[i + 1] - costOffsets[i]
            throw InputError(file: file, path: "problem.nodes.usages[\(i)]",
                             "expected \(k) entries (one per strategy in problem.nodes.costs[\(i)]), found \(usageOffsets[i + 1] - usageOffsets[i])")
        }
        if edgeCostOffsets.count != edgeNodeOffsets.count {
            throw InputError(file: file, path: "problem.edges.costs",
                             "expected \(edgeNodeOffsets.count - 1) entries (one per edge), found \(edgeCostOffsets.count - 1)")
        }
        var edgeNodes = [Int32](repeating: 0, count: edgeNodes64.count)
        let nodeOffsets = edgeNodeOffsets.finish()
        for e in 0 ..< nodeOffsets.count - 1 {
            for j in nodeOffsets[e] ..< nodeOffsets[e + 1] {
                let v = edgeNodes64[j]
                if v < 0 || v >= Int64(n) {
                    throw InputError(file: file, path: "problem.edges.nodes[\(e)][\(j - nodeOffsets[e])]",
                                     "expected a node index in 0..<\(n), found \(v)")
                }
                edgeNodes[j] = Int32(v)
            }
        }
        edgeNodes64.release()
        return try Problem(
            name: name, intervalLo: lo.finish(), intervalHi: hi.finish(), strategyOffset: costOffsets.finish(),
            nodeCost: costs.finish(), nodeUsage: usages.finish(), edgeNodeOffset: nodeOffsets, edgeNodes: edgeNodes,
            edgeCostOffset: edgeCostOffsets.finish(), edgeCost: edgeCosts.finish(), usageLimit: limit, file: file)
    }

    private mutating func parseIntervals(lo: inout FlatBuilder<Int64>, hi: inout FlatBuilder<Int64>) throws(InputError) {
        let c = try skipWhitespace()
        if c != 0x5B { throw error("problem.nodes.intervals", "expected an array of [lo, hi] pairs, found \(describe(c))") }
        pos += 1
        if try skipWhitespace() == 0x5D { pos += 1; return }
        var pair = FlatBuilder<Int64>(capacity: 16)
        defer { pair.release() }
        while true {
            let i = lo.count
            pair.removeAll()
            let k = try parseIntArray(into: &pair, Loc("problem.nodes.intervals").at(i))
            if k != 2 {
                throw error("problem.nodes.intervals[\(i)]", "expected 2 entries [lo, hi], found \(k)")
            }
            lo.append(pair[0])
            hi.append(pair[1])
            let d = try skipWhitespace()
            if d == 0x2C { pos += 1; continue }
            if d == 0x5D { pos += 1; return }
            throw error("problem.nodes.intervals[\(i)]", "expected ',' or ']', found \(describe(d))")
        }
    }
}

/// A JSON path like `problem.edges.costs[412][3]`, built as text only for error messages.
struct Loc {
    let name: StaticString
    var indices: (Int, Int) = (-1, -1)

    init(_ name: StaticString) { self.name = name }

    /// The path with one more index appended.
    @inline(__always) func at(_ i: Int) -> Loc {
        var l = self
        if l.indices.0 < 0 { l.indices.0 = i } else { l.indices.1 = i }
        return l
    }

    var text: String {
        var t = name.description
        if indices.0 >= 0 { t += "[\(indices.0)]" }
        if indices.1 >= 0 { t += "[\(indices.1)]" }
        return t
    }
}
