#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Unbuffered writes to the standard streams (safe from any thread; no shared FILE state).
public enum Console {
    public static func writeErr(_ text: String) { writeAll(2, text) }
    public static func writeOut(_ text: String) { writeAll(1, text) }

    static func writeAll(_ fd: Int32, _ text: String) {
        var t = text
        t.withUTF8 { buf in
            var off = 0
            while off < buf.count {
                let n = write(fd, buf.baseAddress! + off, buf.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    return  // EPIPE and friends: nothing sensible left to do
                }
                off += n
            }
        }
    }
}
