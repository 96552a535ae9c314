import ArgumentParser
import Model
import Solver

#if canImport(Glibc)
    import Glibc
#endif

@main
struct IOPDDL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iopddl",
        abstract: "Intra-operator parallelism solver: one sharding strategy per node, minimal cost, memory never exceeded.",
        discussion: """
            The contest contract: `iopddl PROBLEM TIMEOUT_SECONDS` solves within the timeout (measured \
            from process start) and prints the best solution found as the last stdout line, \
            `[s0, s1, ...]`, or `[]` when no feasible solution exists. Progress goes to stderr.
            """,
        subcommands: [Solve.self, Evaluate.self, Stats.self, Generate.self, Bound.self],
        defaultSubcommand: Solve.self)

    static func main() {
        _ = ProcessClock()  // pin the process start as early as possible
        signal(SIGPIPE, SIG_IGN)
        // A negative number would be read as an option flag; say what is wrong instead.
        let args = Array(CommandLine.arguments.dropFirst())
        for (k, arg) in args.enumerated() where arg.count > 1 && arg.hasPrefix("-") && Double(arg) != nil {
            if k > 0 && args[k - 1].hasPrefix("--") && Double(args[k - 1]) == nil {
                fail("\(args[k - 1]) must not be negative, found \(arg)\n(see 'iopddl --help')", code: 2)
            }
            fail("TIMEOUT_SECONDS must be a positive number of seconds, found \(arg)\n(see 'iopddl --help')", code: 2)
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let e as InputError {
            fail("\(e)", code: 2)
        } catch let e as SolutionError {
            fail("\(e)", code: 2)
        } catch let e as CLIFailure {
            fail(e.message, code: e.code)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help, --version
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            let message = message(for: error).trimmingCharacters(in: " \n")
            // Usage errors exit 2, like bad input.
            fail(message + "\n(see 'iopddl --help')", code: 2)
        }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        var text = message
        if text.hasPrefix("Error: ") { text.removeFirst(7) }
        Console.writeErr("error: \(text)\n")
        Glibc.exit(code)
    }
}

/// An error the CLI reports with a specific exit code.
struct CLIFailure: Error {
    var message: String
    var code: Int32
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
