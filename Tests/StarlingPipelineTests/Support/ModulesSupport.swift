import Foundation
import Testing

@testable import StarlingPipeline

/// Helpers for the flow, process and file module tests.
enum ModulesSupport {
  /// A new file in a directory of its own, holding `text`; removed by the caller with
  /// ``remove(_:)``.
  static func file(_ text: String = "", name: String = "input.txt") throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "starling-modules-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent(name).path
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// Removes the directory ``file(_:name:)`` made.
  static func remove(_ path: String) {
    try? FileManager.default.removeItem(at: URL(fileURLWithPath: path).deletingLastPathComponent())
  }

  /// Appends text to a file.
  static func append(_ text: String, to path: String) throws {
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(text.utf8))
  }

  /// Config lines for two modules: `feed` (input.file reading `path`) and `decode`
  /// (process.json decoding each line), routed `feed.outbox -> decode.inbox`. Route
  /// `decode.outbox` on from there. The module lines are indented for a `modules:` section.
  static func jsonFeed(_ path: String) -> (modules: String, route: String) {
    (
      """
        feed: {module: input.file, arguments: {path: "\(path)"}}
        decode: {module: process.json, arguments: {mode: decode}}
      """,
      "feed.outbox -> decode.inbox"
    )
  }

  /// Runs a pipeline to its end (its inputs must finish).
  static func run(_ yaml: String) async throws -> Pipeline {
    let pipeline = try Harness.pipeline(yaml)
    try await pipeline.run()
    return pipeline
  }

  /// The `data` of events, as strings where they are.
  static func datas(_ events: [Event]) -> [EventValue] { events.map(\.data) }

  /// The messages of the config errors a YAML text produces, joined.
  static func errorText(_ yaml: String) -> String {
    Harness.errors(yaml).map(\.message).joined(separator: "\n")
  }
}
