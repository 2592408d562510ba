@testable import StarlingPipeline

/// `json`: the JSON reader (`JSON.decode`). What it accepts must print (compact and pretty)
/// as text that reads back as the same value.
enum JSONFuzz {
  static let target = FuzzTarget(
    name: "json", summary: "the JSON reader, and the writer's output read back", run: run)

  static func run(_ bytes: [UInt8]) {
    guard let value = try? JSON.decode(bytes) else { return }
    for pretty in [false, true] {
      let text = JSON.encode(value, pretty: pretty)
      guard let again = try? JSON.decode(text) else {
        fatalError("the writer's output does not read back: \(String(decoding: text, as: UTF8.self))")
      }
      require(again == value, "the writer's output reads back as another value")
    }
  }
}
