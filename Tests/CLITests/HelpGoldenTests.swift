import Foundation
import XCTest

/// Golden tests of every subcommand's `--help` text, stored in Tests/CLITests/Golden/help-<name>.txt.
/// A deliberate help change is one command: `scripts/update-golden` rewrites the files from the
/// built binary; review the diff and commit it with the change.
final class HelpGoldenTests: XCTestCase {
    static let subcommands = ["solve", "evaluate", "stats", "bound", "generate"]

    static func goldenPath(_ subcommand: String) -> String {
        CLI.repo.appendingPathComponent("Tests/CLITests/Golden/help-\(subcommand).txt").path
    }

    func testEverySubcommandHelpMatchesItsGoldenFile() throws {
        var checked = 0
        for name in Self.subcommands {
            let r = try CLI.run([name, "--help"])
            XCTAssertEqual(r.status, 0, "\(name) --help: \(r.summary)")
            let path = Self.goldenPath(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                XCTFail("\(path) is missing: run scripts/update-golden")
                continue
            }
            let expected = String(decoding: data, as: UTF8.self)
            if r.stdout != expected {
                let got = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
                let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
                let line = (0 ..< min(got.count, want.count)).first { got[$0] != want[$0] } ?? min(got.count, want.count)
                let gotLine = line < got.count ? String(got[line]) : "(end)"
                let wantLine = line < want.count ? String(want[line]) : "(end)"
                XCTFail("""
                    `iopddl \(name) --help` differs from \(path) at line \(line + 1):
                      got:      \(gotLine)
                      expected: \(wantLine)
                    If the help text changed on purpose, run scripts/update-golden and commit the result.
                    """)
            }
            checked += 1
        }
        XCTAssertEqual(checked, Self.subcommands.count)
    }

    /// The golden folder holds exactly the subcommands' files (a renamed or removed subcommand
    /// must not leave a stale file that nothing checks).
    func testGoldenFolderHasNoStrayHelpFiles() throws {
        let folder = CLI.repo.appendingPathComponent("Tests/CLITests/Golden").path
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("help-") }
        XCTAssertEqual(Set(files), Set(Self.subcommands.map { "help-\($0).txt" }),
                       "run scripts/update-golden (it rewrites the folder's help-*.txt files)")
    }
}
