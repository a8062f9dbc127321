// swift-tools-version: 6.2
//
// package-benchmark suites for EMCore's hot paths. A package of its own so that the benchmark dependency stays
// out of the main build. Run from this folder:
//   swift package --allow-writing-to-directory .benchmarkBaselines benchmark
//   EMTOOLS_BENCH_SIZES=128 swift package benchmark --filter 'MRC.*'     (smaller maps)
// Whole-process comparisons against mrcfile, numpy, starfile, RELION…: scripts/bench-peers.sh (docs/benchmarks.md).
import Foundation
import PackageDescription

/// SwiftPM names a local package after its folder (`emtools`, or a worktree's name): find it instead of guessing.
let emtoolsPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

let package = Package(
    name: "EMToolsBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "EMCoreBenchmarks",
            dependencies: [
                .product(name: "EMCore", package: emtoolsPackage),
                .product(name: "Benchmark", package: "benchmark"),
                "BareLinalg",
            ],
            path: "Benchmarks/EMCoreBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v5)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The bare OpenBLAS/LAPACKE calls that EMCore's linear algebra is measured against, in the same run.
        .target(
            name: "BareLinalg",
            path: "Benchmarks/BareLinalg",
            cSettings: [.unsafeFlags(["-I/usr/include/x86_64-linux-gnu/openblas-pthread"])],
            linkerSettings: [.linkedLibrary("openblas"), .linkedLibrary("lapacke"),
                             .unsafeFlags(["-L/usr/lib/x86_64-linux-gnu/openblas-pthread"])]
        ),
    ]
)
