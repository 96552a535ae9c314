/// The reader's fast path for one row of integers, `[12, -3, 1000000000000000000]`, lying in
/// the current chunk: no refill checks per byte, and digits converted 8 at a time (SWAR).
///
/// It only accepts what the careful path in `JSONScanner` accepts, with the same values. Anything
/// else (an error, 20 or more digits, a row that runs close to the end of the chunk) makes it
/// give up; the caller then undoes the appended entries and parses the row the careful way,
/// which produces the exact error message and byte offset.
enum RowScanner {
    /// Bytes after `limit` that `parseRow` may read.
    static let margin = 64

    /// Parses the row whose '[' is at `p[start]`. Returns the index just after its ']', or -1
    /// to give up. Every element must start before `limit`, which must leave `margin`
    /// readable bytes after it.
    @inline(__always)
    static func parseRow(_ p: UnsafePointer<UInt8>, _ start: Int, _ limit: Int, _ out: inout FlatBuilder<Int64>) -> Int {
        var q = start &+ 1
        if isSpace(p[q]) {
            q = skipSpace(p, q, limit)
            if q < 0 { return -1 }
        }
        if p[q] == 0x5D { return q &+ 1 }  // ']': empty row
        while true {
            // One element from p[q]. The separator after the number is taken from the bytes
            // already loaded, so the next load does not wait for another one.
            if q >= limit { return -1 }
            var t = load8(p + q)
            var len = digitCount(t)
            var negative = false
            if len == 0 {
                // Not a digit: whitespace, a minus sign or an error.
                let c = p[q]
                if isSpace(c) {
                    q = skipSpace(p, q, limit)
                    if q < 0 { return -1 }
                    continue
                }
                if c != 0x2D { return -1 }
                negative = true
                q &+= 1
                t = load8(p + q)
                len = digitCount(t)
                if len == 0 { return -1 }
            }
            var value = digitsValue(t, len)
            var sep: UInt64  // the byte after the number, XORed with '0' like `t`
            if len < 8 {
                sep = (t &>> UInt64(truncatingIfNeeded: 8 &* len)) & 0xFF
                q &+= len
            } else {
                q &+= 8
                t = load8(p + q)
                len = digitCount(t)
                if len == 0 {
                    sep = t & 0xFF
                } else {
                    value = value &* pow10(len) &+ digitsValue(t, len)
                    if len < 8 {
                        sep = (t &>> UInt64(truncatingIfNeeded: 8 &* len)) & 0xFF
                        q &+= len
                    } else {
                        q &+= 8
                        t = load8(p + q)
                        len = digitCount(t)
                        if len == 0 {
                            sep = t & 0xFF
                        } else {
                            // 19 digits at most: below 10^19 < 2^64, so no wrap-around.
                            if len > 3 { return -1 }
                            value = value &* pow10(len) &+ digitsValue(t, len)
                            sep = (t &>> UInt64(truncatingIfNeeded: 8 &* len)) & 0xFF
                            q &+= len
                            if value > (negative ? 0x8000_0000_0000_0000 : 0x7FFF_FFFF_FFFF_FFFF) { return -1 }
                        }
                    }
                }
            }
            out.append(negative ? Int64(bitPattern: 0 &- value) : Int64(bitPattern: value))
            if sep == 0x2C ^ 0x30 {  // ','
                q &+= 1
                continue
            }
            if sep == 0x5D ^ 0x30 { return q &+ 1 }  // ']'
            // Whitespace before the separator, or not a separator at all (a fraction, an
            // exponent, an error).
            if !isSpace(p[q]) { return -1 }
            q = skipSpace(p, q, limit)
            if q < 0 { return -1 }
            let c = p[q]
            if c == 0x5D { return q &+ 1 }
            if c != 0x2C { return -1 }
            q &+= 1
        }
    }

    @inline(__always) static func isSpace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09
    }

    /// The index of the first non-space byte from `q`, or -1 on reaching `limit`.
    static func skipSpace(_ p: UnsafePointer<UInt8>, _ q: Int, _ limit: Int) -> Int {
        var q = q
        while isSpace(p[q]) {
            q += 1
            if q >= limit { return -1 }
        }
        return q
    }

    /// Eight bytes, the first in the lowest byte, each XORed with '0' (digits become 0...9).
    @inline(__always) static func load8(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UnsafeRawPointer(p).loadUnaligned(as: UInt64.self).littleEndian ^ 0x3030_3030_3030_3030
    }

    /// How many of the leading bytes of `load8`'s result are digits (0...8). A byte is a digit
    /// when it is below 10; adding 0x76 sets bit 7 of every other byte below 0x80. Carries only
    /// spill out of non-digit bytes, into later bytes, so the first non-digit is always exact.
    @inline(__always) static func digitCount(_ t: UInt64) -> Int {
        let nonDigit = ((t &+ 0x7676_7676_7676_7676) | t) & 0x8080_8080_8080_8080
        return nonDigit.trailingZeroBitCount &>> 3
    }

    /// The value of the first `len` (1...8) digit bytes of `load8`'s result.
    @inline(__always) static func digitsValue(_ t: UInt64, _ len: Int) -> UInt64 {
        // Move the digits to the top bytes; the emptied low bytes act as leading zeros.
        var v = t &<< UInt64(truncatingIfNeeded: 64 &- 8 &* len)
        v = ((v & 0x0F0F_0F0F_0F0F_0F0F) &* 2561) &>> 8  // pairs: 10 * a + b
        v = ((v & 0x00FF_00FF_00FF_00FF) &* 6_553_601) &>> 16  // quads: 100 * ab + cd
        return ((v & 0x0000_FFFF_0000_FFFF) &* 42_949_672_960_001) &>> 32  // 10^4 * abcd + efgh
    }

    @inline(__always) static func pow10(_ n: Int) -> UInt64 {
        switch n {
        case 1: return 10
        case 2: return 100
        case 3: return 1000
        case 4: return 10000
        case 5: return 100_000
        case 6: return 1_000_000
        case 7: return 10_000_000
        default: return 100_000_000
        }
    }
}
