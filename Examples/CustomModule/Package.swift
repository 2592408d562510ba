// swift-tools-version: 6.1

// A `starling` of your own: the command line with a module of yours beside the built-in ones.
// `swift build` here makes `my-starling`; `my-starling list` shows process.shout, and
// `my-starling run shout.yaml` runs it.
import PackageDescription

let package = Package(
  name: "CustomModule",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "my-starling", targets: ["MyStarling"])
  ],
  dependencies: [
    // Your own package names the repository instead:
    // .package(url: "<Starling's repository URL>", branch: "main")
    .package(name: "starling", path: "../..")
  ],
  targets: [
    .executableTarget(
      name: "MyStarling",
      dependencies: [
        .product(name: "StarlingCommandLine", package: "starling"),
        .product(name: "StarlingPipeline", package: "starling"),
      ],
      swiftSettings: [.swiftLanguageMode(.v6)]
    )
  ]
)
