// swift-tools-version: 6.1

import PackageDescription

let strictSettings: [SwiftSetting] = [
  .swiftLanguageMode(.v6),
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("MemberImportVisibility"),
  .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

let package = Package(
  name: "starling",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "StarlingChannels", targets: ["StarlingChannels"]),
    .library(name: "Starling", targets: ["Starling"]),
    .library(name: "StarlingPipeline", targets: ["StarlingPipeline"]),
    .library(name: "StarlingHTTP", targets: ["StarlingHTTP"]),
    .library(name: "StarlingSystem", targets: ["StarlingSystem"]),
    // The command as a library: a package of its own makes a `starling` with its own modules
    // (Examples/CustomModule).
    .library(name: "StarlingCommandLine", targets: ["StarlingCommandLine"]),
    .executable(name: "starling", targets: ["StarlingMain"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
    .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
    .package(url: "https://github.com/apple/swift-metrics.git", from: "2.4.0"),
    .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.27.0"),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
    .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
    .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
  ],
  targets: [
    .target(
      name: "StarlingChannels",
      dependencies: [.product(name: "DequeModule", package: "swift-collections")],
      swiftSettings: strictSettings
    ),
    // Addresses, SPError, TLS options and the stream connect/bind path: shared by Starling's
    // sockets and StarlingSystem's streams.
    .target(
      name: "StarlingNetwork",
      dependencies: [
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
      ],
      swiftSettings: strictSettings
    ),
    .target(
      name: "Starling",
      dependencies: [
        "StarlingChannels",
        "StarlingNetwork",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "DequeModule", package: "swift-collections"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "CoreMetrics", package: "swift-metrics"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOWebSocket", package: "swift-nio"),
      ],
      swiftSettings: strictSettings
    ),
    // An HTTP/1.1 server and WebSocket client and server, in the sockets' style; SP sockets can
    // be mounted on its paths.
    .target(
      name: "StarlingHTTP",
      dependencies: [
        "Starling",
        "StarlingChannels",
        "StarlingNetwork",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOWebSocket", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "DequeModule", package: "swift-collections"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: strictSettings
    ),
    // Child processes, signals, a thread pool for blocking work, byte streams over processes and
    // sockets, UDP and DNS: the rest of the system, spoken in Swift concurrency.
    .target(
      name: "StarlingSystem",
      dependencies: [
        "StarlingChannels",
        "StarlingNetwork",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOTLS", package: "swift-nio"),
        .product(name: "DequeModule", package: "swift-collections"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: strictSettings
    ),
    .target(
      name: "StarlingPipeline",
      dependencies: [
        "Starling",
        "StarlingChannels",
        "StarlingNetwork",
        "StarlingHTTP",
        "StarlingSystem",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "CoreMetrics", package: "swift-metrics"),
        // For libyaml (its CYaml module), whose events Config/YAMLComposer.swift reads.
        .product(name: "Yams", package: "Yams"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        // output.http: https, connection pooling, timeouts.
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "NIOTLS", package: "swift-nio"),
      ],
      swiftSettings: strictSettings
    ),
    // The `starling` command's subcommands, as a library with a `main(modules:)` entry point.
    // Its sources stay in Sources/StarlingCommand, where they were when the command was one
    // executable target.
    .target(
      name: "StarlingCommandLine",
      dependencies: [
        "Starling",
        "StarlingChannels",
        "StarlingNetwork",
        "StarlingPipeline",
        "StarlingHTTP",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "CoreMetrics", package: "swift-metrics"),
        // The admin server's /metrics: swift-metrics' backend in `starling run`.
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "UnixSignals", package: "swift-service-lifecycle"),
      ],
      path: "Sources/StarlingCommand",
      swiftSettings: strictSettings
    ),
    // The `starling` executable: the command line with the built-in modules. The target is not
    // called `starling`: on a case-insensitive file system `Sources/starling` and
    // `Sources/Starling` would be one directory.
    .executableTarget(
      name: "StarlingMain",
      dependencies: ["StarlingCommandLine"],
      swiftSettings: strictSettings
    ),
    // Examples/CustomModule's command (`starling` with a module of its own), built here from
    // the same sources so that the tests run it; scripts/custom-module.sh builds the example's
    // own package.
    .executableTarget(
      name: "CustomModuleExample",
      dependencies: ["StarlingCommandLine", "StarlingPipeline"],
      path: "Examples/CustomModule/Sources/MyStarling",
      swiftSettings: strictSettings
    ),
    // What the test targets share: a child process that Foundation's Process's crash under many
    // open descriptors cannot reach (see SpawnedProcess).
    .target(
      name: "StarlingTestSupport",
      path: "Tests/StarlingTestSupport",
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "StarlingCommandTests",
      dependencies: [
        "StarlingTestSupport",
        "StarlingCommandLine", "StarlingMain", "CustomModuleExample", "Starling", "StarlingPipeline",
        "StarlingHTTP",
        "StarlingChannels",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        // The admin server's tests scrape it over real HTTP, without a curl process per request.
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
      ],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "StarlingTests",
      dependencies: [
        "StarlingTestSupport",
        "Starling",
        "StarlingNetwork",
        "StarlingPipeline",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "MetricsTestKit", package: "swift-metrics"),
      ],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "StarlingPipelineTests",
      dependencies: [
        "StarlingTestSupport",
        "StarlingPipeline", "Starling", "StarlingHTTP", "StarlingNetwork",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "MetricsTestKit", package: "swift-metrics"),
      ],
      exclude: ["Interop"],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "StarlingHTTPTests",
      dependencies: [
        "StarlingTestSupport",
        "StarlingHTTP", "Starling", "StarlingNetwork", "StarlingChannels",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOWebSocket", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      exclude: ["Peers"],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "StarlingSystemTests",
      dependencies: [
        "StarlingSystem", "StarlingChannels",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
      ],
      exclude: ["Peers"],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "StarlingChannelsTests",
      dependencies: ["StarlingChannels"],
      swiftSettings: strictSettings
    ),
  ]
)

// The fuzz targets (Fuzz/Sources; README, "Fuzzing"): a libFuzzer executable built only by
// scripts/fuzz.sh, which sets STARLING_FUZZ and builds with -sanitize=fuzzer,address on its own
// scratch path. Normal `swift build` and `swift test` never see it.
if Context.environment["STARLING_FUZZ"] != nil {
  package.targets.append(
    .executableTarget(
      name: "StarlingFuzz",
      dependencies: [
        "Starling", "StarlingHTTP", "StarlingNetwork", "StarlingPipeline",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOWebSocket", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      path: "Fuzz/Sources",
      swiftSettings: strictSettings
    ))
}
