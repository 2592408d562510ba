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
    .library(name: "StarlingChannels", targets: ["StarlingChannels"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0")
  ],
  targets: [
    .target(
      name: "StarlingChannels",
      dependencies: [.product(name: "DequeModule", package: "swift-collections")],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "StarlingChannelsTests",
      dependencies: ["StarlingChannels"],
      swiftSettings: strictSettings
    ),
  ]
)
