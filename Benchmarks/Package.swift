// swift-tools-version: 6.1

import PackageDescription

// Benchmarks for StarlingChannels against the standard library's AsyncStream and
// swift-async-algorithms' AsyncChannel and MultiProducerSingleConsumerAsyncChannel (the
// `Channels` target), and for Starling's sockets against nng and libzmq in the same process
// (the `Sockets` target, which links Debian's libnng-dev and libzmq3-dev through the `CNng`
// and `CZmq` system library targets), and for StarlingSystem's ByteStream against the same
// line echo written directly on SwiftNIO (the `System` target).
//
// A separate package (as SwiftNIO does it) so that the library itself does not depend on the
// benchmark tooling. Run from this directory:
//
//   swift package --disable-sandbox benchmark
//
// or `scripts/bench-channels.sh` / `scripts/bench-sockets.sh` from the repository root for a
// table of ratios.
//
// ordo-one/benchmark is listed with only the "MallocInterposer" trait: its default traits
// also enable "RuntimeInterposer", which on Linux with Swift 6.3 pulls in
// ordo-one/swift-runtime-interposer.

let package = Package(
  name: "StarlingBenchmarks",
  platforms: [.macOS(.v15)],
  dependencies: [
    .package(name: "starling", path: "../"),
    .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
    // The HTTP benchmark's competitor (scripts/bench-http.sh); never a dependency of starling.
    .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
  ],
  targets: [
    .executableTarget(
      name: "Channels",
      dependencies: [
        .product(name: "Benchmark", package: "benchmark"),
        .product(name: "StarlingChannels", package: "starling"),
        .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
        "ChannelShapes",
      ],
      path: "Benchmarks/Channels",
      swiftSettings: [.swiftLanguageMode(.v6)],
      plugins: [
        .plugin(name: "BenchmarkPlugin", package: "benchmark")
      ]
    ),
    .executableTarget(
      name: "Sockets",
      dependencies: [
        .product(name: "Benchmark", package: "benchmark"),
        .product(name: "Starling", package: "starling"),
        "CNng",
        "CZmq",
      ],
      path: "Benchmarks/Sockets",
      swiftSettings: [.swiftLanguageMode(.v6)],
      plugins: [
        .plugin(name: "BenchmarkPlugin", package: "benchmark")
      ]
    ),
    .executableTarget(
      name: "RPC",
      dependencies: [
        .product(name: "Benchmark", package: "benchmark"),
        .product(name: "Starling", package: "starling"),
        "CNng",
      ],
      path: "Benchmarks/RPC",
      swiftSettings: [.swiftLanguageMode(.v6)],
      plugins: [
        .plugin(name: "BenchmarkPlugin", package: "benchmark")
      ]
    ),
    .executableTarget(
      name: "Pipeline",
      dependencies: [
        .product(name: "Benchmark", package: "benchmark"),
        .product(name: "Starling", package: "starling"),
        .product(name: "StarlingPipeline", package: "starling"),
        "CNng",
      ],
      path: "Benchmarks/Pipeline",
      swiftSettings: [.swiftLanguageMode(.v6)],
      plugins: [
        .plugin(name: "BenchmarkPlugin", package: "benchmark")
      ]
    ),
    .executableTarget(
      name: "System",
      dependencies: [
        .product(name: "Benchmark", package: "benchmark"),
        .product(name: "StarlingSystem", package: "starling"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ],
      path: "Benchmarks/System",
      swiftSettings: [.swiftLanguageMode(.v6)],
      plugins: [
        .plugin(name: "BenchmarkPlugin", package: "benchmark")
      ]
    ),
    // The servers scripts/bench-http.sh measures with wrk: StarlingHTTP and Hummingbird serving
    // the same answers, and StarlingHTTP's WebSocket echo.
    .executableTarget(
      name: "HTTPBenchServer",
      dependencies: [
        .product(name: "StarlingHTTP", package: "starling"),
        .product(name: "Hummingbird", package: "hummingbird"),
      ],
      path: "Sources/HTTPBenchServer",
      swiftSettings: [.swiftLanguageMode(.v6)]
    ),
    // The channel shapes that scripts/bench-go.sh compares with Benchmarks/Go/chanbench.go: one
    // copy of the code, run by the `Channels` benchmarks and by `ChannelShapesRunner` (a plain
    // executable for callgrind and perf, which the benchmark tool's harness would drown).
    .target(
      name: "ChannelShapes",
      dependencies: [.product(name: "StarlingChannels", package: "starling")],
      swiftSettings: [.swiftLanguageMode(.v6)]
    ),
    .executableTarget(
      name: "ChannelShapesRunner",
      dependencies: ["ChannelShapes"],
      swiftSettings: [.swiftLanguageMode(.v6)]
    ),
    // Both headers and libraries are in the default search paths on Debian. nng ships no
    // pkg-config file; libzmq's (libzmq.pc) adds `-isystem` flags that SwiftPM refuses with a
    // warning, and nothing that is needed here, so neither target names one.
    .systemLibrary(name: "CNng", path: "Sources/CNng", providers: [.apt(["libnng-dev"])]),
    .systemLibrary(name: "CZmq", path: "Sources/CZmq", providers: [.apt(["libzmq3-dev"])]),
  ]
)
