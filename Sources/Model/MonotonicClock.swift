#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// CLOCK_MONOTONIC in seconds: the one clock for durations and deadlines in Swift code (the
/// GLPK guard's C callback reads the same clock through `iopddl_monotonic_seconds`).
public enum MonotonicClock {
    @inline(__always) public static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
