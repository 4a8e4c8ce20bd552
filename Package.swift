// swift-tools-version: 6.0
import PackageDescription

// Tessera: neural text retrieval in Swift (Gecko, XTR, AligneR, WARP).
// BLAS: OpenBLAS through a system-library target on Linux, Accelerate on Apple platforms.

var kernelDependencies: [Target.Dependency] = ["CTesseraKernels"]
#if os(Linux)
kernelDependencies.append(.target(name: "COpenBLAS", condition: .when(platforms: [.linux])))
#endif

let package = Package(
    name: "Tessera",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "TesseraKernels", targets: ["TesseraKernels"]),
        .library(name: "TesseraIO", targets: ["TesseraIO"]),
        .library(name: "TesseraTokenizers", targets: ["TesseraTokenizers"]),
        .library(name: "TesseraModels", targets: ["TesseraModels"]),
        .library(name: "TesseraIndex", targets: ["TesseraIndex"]),
        .library(name: "TesseraEval", targets: ["TesseraEval"]),
        .library(name: "TesseraIngest", targets: ["TesseraIngest"]),
        .library(name: "TesseraSearch", targets: ["TesseraSearch"]),
        .library(name: "TesseraCollections", targets: ["TesseraCollections"]),
        .library(name: "TesseraTraining", targets: ["TesseraTraining"]),
        .library(name: "TesseraServer", targets: ["TesseraServer"]),
        .library(name: "TesseraDistill", targets: ["TesseraDistill"]),
        .executable(name: "tessera", targets: ["tessera"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.21.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "pkg-config"])]
        ),
        .target(name: "CTesseraKernels"),
        .target(name: "TesseraKernels", dependencies: kernelDependencies),
        .target(name: "TesseraIO", dependencies: ["CTesseraKernels"]),
        .target(name: "TesseraTokenizers", dependencies: ["TesseraIO"]),
        .target(name: "TesseraModels", dependencies: ["TesseraKernels", "TesseraTokenizers", "TesseraIO"]),
        .target(name: "TesseraIndex", dependencies: ["TesseraKernels", "TesseraIO"]),
        .target(name: "TesseraEval", dependencies: ["TesseraIO"]),
        // Corpus → index folders: reading corpora, encoding, the index builders and the built-index cache.
        .target(name: "TesseraIngest", dependencies: ["TesseraKernels", "TesseraIndex", "TesseraModels", "TesseraIO"]),
        .target(name: "TesseraSearch", dependencies: ["TesseraKernels", "TesseraIndex", "TesseraModels", "TesseraIO", "TesseraIngest"]),
        // Mutable, durable collections: write-ahead log, immutable segments, tombstones, snapshots, merges.
        .target(name: "TesseraCollections", dependencies: ["TesseraKernels", "TesseraIO", "TesseraIndex", "TesseraModels", "TesseraIngest", "TesseraSearch"]),
        // `tessera serve`: the HTTP API (Hummingbird 2) over collections and the encoder.
        .target(name: "TesseraServer", dependencies: [
            "TesseraCollections", "TesseraSearch", "TesseraModels", "TesseraIO",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .target(name: "TesseraTraining", dependencies: ["CTesseraKernels", "TesseraKernels", "TesseraModels", "TesseraIO"]),
        // FRet (Gecko): training data written and relabelled by an LLM behind any OpenAI-compatible server.
        .target(name: "TesseraDistill", dependencies: [
            "TesseraKernels", "TesseraIO", "TesseraSearch",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        // Fixture builders shared by test targets (tiny random models); not a product.
        .target(name: "TesseraTestSupport", dependencies: ["TesseraKernels", "TesseraModels", "TesseraIO", "TesseraIndex"], path: "Sources/TesseraTestSupport"),
        .executableTarget(
            name: "tessera",
            dependencies: [
                "TesseraModels", "TesseraTokenizers", "TesseraIO", "TesseraKernels", "TesseraIndex", "TesseraEval", "TesseraIngest", "TesseraSearch",
                "TesseraTraining", "TesseraCollections", "TesseraServer", "TesseraDistill", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks that are programs (synthetic scale runs); print figures, assert nothing.
        .executableTarget(name: "tessera-bench", dependencies: ["TesseraIndex", "TesseraSearch", "TesseraKernels", "TesseraIO"],
                          path: "Benchmarks/Sources/tessera-bench"),
        // Fuzz targets for the parsers of outside bytes (Scripts/fuzz.sh builds them with libFuzzer; a plain build
        // replays saved inputs, which a test does).
        .executableTarget(name: "tessera-fuzz", dependencies: ["TesseraIO", "TesseraIndex", "TesseraModels", "TesseraTokenizers", "TesseraServer"],
                          path: "Fuzz/Sources/tessera-fuzz"),
        .testTarget(name: "TesseraKernelsTests", dependencies: ["TesseraKernels"]),
        .testTarget(name: "TesseraIOTests", dependencies: ["TesseraIO", "TesseraTestSupport"]),
        .testTarget(name: "TesseraTokenizersTests", dependencies: ["TesseraTokenizers", "TesseraTestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "TesseraModelsTests", dependencies: ["TesseraModels", "TesseraTestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "TesseraIndexTests", dependencies: ["TesseraIndex", "TesseraIO", "TesseraTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TesseraEvalTests", dependencies: ["TesseraEval", "TesseraTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TesseraTrainingTests", dependencies: ["TesseraTraining", "TesseraModels", "TesseraTestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "TesseraSearchTests", dependencies: ["TesseraSearch", "TesseraIngest", "TesseraTestSupport"]),
        .testTarget(name: "TesseraDistillTests", dependencies: ["TesseraDistill", "TesseraIO", "TesseraKernels", "TesseraTraining", "TesseraTestSupport",
                                                                .product(name: "Hummingbird", package: "hummingbird")]),
        .testTarget(name: "TesseraCollectionsTests", dependencies: ["TesseraCollections", "TesseraTestSupport"]),
        // Against a server on a loopback port, with Foundation's URLSession (HummingbirdTesting would pull AsyncHTTPClient
        // and BoringSSL into every build).
        .testTarget(name: "TesseraServerTests", dependencies: ["TesseraServer", "TesseraTestSupport", "TesseraIO",
                                                               .product(name: "Hummingbird", package: "hummingbird")]),
        .testTarget(name: "TesseraCLITests", dependencies: ["tessera", "tessera-fuzz", "TesseraIO", "TesseraKernels", "TesseraTestSupport", "TesseraCollections"]),
    ],
    swiftLanguageModes: [.v6]
)
