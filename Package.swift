// swift-tools-version: 6.2
//
// emtools: fast inspection of cryo-EM maps and STAR files, and a cron-run watcher of RELION projects.
// Build: `swift build -c release`. Tests: `scripts/test.sh` (see README.md).
import PackageDescription

/// Our targets use the Swift 5 language mode: the numerical kernels share buffers across Dispatch
/// workers in ways the strict-concurrency checker cannot prove safe.
let swiftSettings: [SwiftSetting] = [.swiftLanguageMode(.v5), .unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "emtools",
    platforms: [.macOS(.v13)],
    products: [
        // MARK: public API
        .library(name: "EMCore", targets: ["EMCore"]),
        .library(name: "Watcher", targets: ["Watcher"]),
        .executable(name: "emtools", targets: ["EMTools"]),
        .executable(name: "emwatch", targets: ["EMWatch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // MARK: C libraries (Debian packages; one module map + shim.h each)
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CBZip2", providers: [.apt(["libbz2-dev"])]),

        // MARK: C libraries opened on first use
        // Headers only: no `link` and no pkgConfig (SwiftPM would link pkg-config's Libs), so that commands which
        // never compute an FFT, a PCA or a picture do not load these libraries and their dependencies at start-up.
        // CDelayLoad defines the functions we call as trampolines that dlopen the Debian runtime library.
        .systemLibrary(name: "CFFTW", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CLAPACKE", providers: [.apt(["liblapacke-dev"])]),
        .systemLibrary(name: "CCairo", providers: [.apt(["libcairo2-dev"])]),
        // DWARF 4: valgrind 3.19 (Debian 12) cannot read the DWARF 5 this toolchain's clang emits by default.
        .target(name: "CDelayLoad", cSettings: [.unsafeFlags(["-gdwarf-4"])]),
        // SIMD kernels picked at run time by CPU feature (F16C half → float).
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-gdwarf-4"])]),
        // A SIGBUS handler that turns pages of a mapped file truncated under us into zeros and a typed error.
        .target(name: "CMappedFiles", cSettings: [.unsafeFlags(["-O2", "-gdwarf-4"])]),
        // PNG encoding with libpng's full API (row filter and zlib strategy), its longjmp errors kept in C.
        .target(name: "CPNGEncode", dependencies: ["CPNG"], cSettings: [.unsafeFlags(["-O2", "-gdwarf-4"])]),

        // MARK: libraries
        .target(
            name: "EMCore",
            dependencies: ["CFFTW", "COpenBLAS", "CLAPACKE", "CPNG", "CCairo", "CZlib", "CBZip2", "CDelayLoad", "CKernels", "CMappedFiles", "CPNGEncode"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Watcher",
            dependencies: [
                "EMCore", "CCurl",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: executables
        .executableTarget(
            name: "EMTools",
            dependencies: ["EMCore", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "EMWatch",
            dependencies: ["Watcher", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),

        // MARK: tests
        .target(name: "TestSupport", dependencies: ["EMCore"], path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "EMCoreTests",
            dependencies: ["EMCore", "CMappedFiles", "TestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EMToolsTests",
            dependencies: ["EMTools", "EMCore", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WatcherTests",
            dependencies: ["Watcher", "EMWatch", "EMCore", "TestSupport"],
            exclude: ["Fixtures", "SlackStandIn"],
            swiftSettings: swiftSettings
        ),
    ]
)
