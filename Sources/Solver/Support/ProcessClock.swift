#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Model

/// Seconds since the process started (not since this object was made), so that deadlines
/// include start-up and loading. On Linux the start time comes from /proc/self/stat; elsewhere
/// (or if that fails) from the first use of this type.
public struct ProcessClock: Sendable {
    /// Monotonic seconds at process start.
    public let startMonotonic: Double

    public init() {
        startMonotonic = ProcessClock.processStart
    }

    public var seconds: Double { MonotonicClock.seconds() - startMonotonic }

    static let processStart: Double = {
        let now = MonotonicClock.seconds()
        #if os(Linux)
            // Field 22 of /proc/self/stat: start time in clock ticks after boot. CLOCK_BOOTTIME
            // counts from the same origin; translate the age into the monotonic clock.
            if let f = fopen("/proc/self/stat", "r") {
                defer { fclose(f) }
                var buf = [CChar](repeating: 0, count: 4096)
                if fgets(&buf, Int32(buf.count), f) != nil {
                    let line = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    if let close = line.lastIndex(of: ")") {
                        let fields = line[line.index(after: close)...].split(separator: " ")
                        // fields[0] is field 3 (state), so field 22 is fields[19].
                        if fields.count > 19, let ticks = Double(fields[19]) {
                            let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
                            var bt = timespec()
                            clock_gettime(CLOCK_BOOTTIME, &bt)
                            let boot = Double(bt.tv_sec) + Double(bt.tv_nsec) * 1e-9
                            let age = boot - ticks / hz
                            if age >= 0 && age < 60 { return now - age }
                        }
                    }
                }
            }
        #endif
        return now
    }()
}
