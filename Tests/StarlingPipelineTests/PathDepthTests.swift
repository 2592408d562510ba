import Testing

@testable import StarlingPipeline

/// Paths written from a config have at most `Event.maximumPathDepth` components (found by the
/// `modify` fuzz target): setting `data.a.a.…` 50,000 deep recursed once per component and
/// overflowed the stack, and the value it would have built could not have been copied,
/// printed or freed either.
@Suite struct PathDepthTests {
  static func path(_ components: Int) -> String {
    "data" + String(repeating: ".a", count: components - 1)
  }

  @Test func pathsUpToTheLimitAreWritten() throws {
    let deepest = Self.path(Event.maximumPathDepth)
    #expect(Event.isWritable(deepest))
    #expect(Event.isWritable("header" + String(repeating: ".h", count: Event.maximumPathDepth - 1)))
    let operation = try Modify.parse(index: 0, entry: ["set": ["path": .string(deepest), "value": 7]])
    var event = Event()
    try Modify.apply(operation, to: &event)
    #expect(event[deepest] == 7)
    #expect(try JSON.decode(JSON.encode(event.data)) == event.data)
  }

  @Test(arguments: [Event.maximumPathDepth + 1, 50_000])
  func deeperPathsAreRefusedWhenTheConfigIsRead(_ components: Int) {
    let deep = Self.path(components)
    #expect(!Event.isWritable(deep))
    #expect(!Event.isWritable("header" + String(repeating: ".h", count: components - 1)))
    for entry: EventValue in [
      ["set": ["path": .string(deep), "value": 1]], ["copy": ["from": "data", "to": .string(deep)]],
      ["delete": .string(deep)], ["template": ["path": .string(deep), "template": "x"]],
    ] {
      do {
        _ = try Modify.parse(index: 0, entry: entry)
        Issue.record("accepted a path \(components) components deep")
      } catch {
        #expect("\(error)".contains("of at most 64 components"), "\(error)")
        #expect("\(error)".count < 300, "the message quotes the whole path")
      }
    }
    let message = ModulesSupport.errorText(
      """
      modules:
        gen: {module: input.generator}
        decode: {module: process.json, arguments: {mode: decode, destination: \(deep)}}
      routes: [gen.outbox -> decode.inbox]
      """)
    #expect(message.contains("is not a path under data or header of at most 64 components"), "\(message)")
  }
}
