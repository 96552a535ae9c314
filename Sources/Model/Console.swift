#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Unbuffered writes to the standard streams (safe from any thread; no shared FILE state).
public enum Console {
    public static func writeErr(_ text: String) { writeAll(2, text) }
    public static func writeOut(_ text: String) { writeAll(1, text) }

    /// Writes all of `text` to `fd` (retrying on EINTR); false when a write failed (EPIPE and
    /// friends: the caller decides whether that is worth saying).
    @discardableResult
    public static func writeAll(_ fd: Int32, _ text: String) -> Bool {
        var t = text
        return t.withUTF8 { buf in
            var off = 0
            while off < buf.count {
                let n = write(fd, buf.baseAddress! + off, buf.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                off += n
            }
            return true
        }
    }
}
