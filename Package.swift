// swift-tools-version:6.0
import PackageDescription

// Dependencies run one way:
//   CGLPK -> GLPKGuard -> GLPK -> Solver <- Model <- CZlib
//   iopddl (thin CLI) -> Solver, Model, GLPK
let package = Package(
    name: "iopddl",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "iopddl", targets: ["iopddl"]),
        .library(name: "Model", targets: ["Model"]),
        .library(name: "Solver", targets: ["Solver"]),
        .library(name: "GLPK", targets: ["GLPK"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CGLPK", path: "Sources/CGLPK"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib"),
        // Tiny C shim: installs glp_error_hook and recovers from GLPK's fatal errors with longjmp.
        .target(name: "GLPKGuard", dependencies: ["CGLPK"], path: "Sources/GLPKGuard"),
        .target(name: "GLPK", dependencies: ["CGLPK", "GLPKGuard"], path: "Sources/GLPK"),
        .target(name: "Model", dependencies: ["CZlib"], path: "Sources/Model"),
        .target(name: "Solver", dependencies: ["Model", "GLPK"], path: "Sources/Solver"),
        .executableTarget(
            name: "iopddl",
            dependencies: [
                "Model", "Solver", "GLPK",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/iopddl"),
        // Shared by the test targets: the brute-force oracle.
        .target(name: "TestSupport", dependencies: ["Model"], path: "Tests/TestSupport"),
        .testTarget(name: "ModelTests", dependencies: ["Model", "TestSupport"], path: "Tests/ModelTests"),
        .testTarget(
            name: "SolverTests", dependencies: ["Solver", "Model", "TestSupport"], path: "Tests/SolverTests"),
        .testTarget(name: "GLPKTests", dependencies: ["GLPK"], path: "Tests/GLPKTests"),
        .testTarget(name: "CLITests", dependencies: ["Model", "TestSupport"], path: "Tests/CLITests",
                    exclude: ["Golden"]),
    ]
)
