/// `process.unpack`: one event per element of a list.
actor Unpack: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "process.unpack",
    summary: "Turns an event whose data is a list into one event per element.",
    discussion: """
      Each element becomes the data of a clone of the event (same header, a new id, \
      `cloned_from` set), sent to `outbox` in list order; `header.unpack` holds `index` \
      (from 0) and `count`. An empty list produces nothing. Data that is not a list fails \
      the event (to `failure`). The inverse of process.pack.
      """,
    example: """
      split:
        module: process.unpack
      """)

  let outbox: PipelineQueue

  init(context: ModuleContext) throws {
    outbox = context.output("outbox")
  }

  func consume(_ event: Event, from queue: String) async throws {
    guard case .array(let items) = event.data else {
      throw UnpackError(message: "data is \(event.data.typeName), not a list")
    }
    for (index, item) in items.enumerated() {
      var element = event.cloned()
      element.data = item
      element.header["unpack"] = ["index": .int(index), "count": .int(items.count)]
      try await outbox.send(element)
    }
  }
}

/// Why `process.unpack` failed on an event.
struct UnpackError: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}
