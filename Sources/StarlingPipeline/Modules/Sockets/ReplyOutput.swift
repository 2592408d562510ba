/// `output.reply`: answers the request an event came from.
actor ReplyOutput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "output.reply",
    summary: "Answers the caller an event came from (input.rep, input.respondent …) with the event.",
    discussion: """
      The answer is the event with its data replaced by the selected value (`data` by \
      default); the input the request came from turns it into bytes: bytes as they are, \
      strings as UTF-8, anything else as JSON. An event without a reply handle (it did not \
      come from a request) fails with `noReplyHandle`, and an event answered before (a clone) \
      fails with `alreadyAnswered`: both go to `failure`.
      """,
    arguments: [MessageSelection.argument],
    outputs: [],
    example: """
      answer:
        module: output.reply
        arguments:
          selection: data
      """)

  let context: ModuleContext
  let selection: MessageSelection

  init(context: ModuleContext) throws {
    self.context = context
    selection = try MessageSelection(context.arguments)
  }

  func consume(_ event: Event, from queue: String) async throws {
    guard let handle = event.reply else { throw PipelineError.noReplyHandle }
    var answer = event
    answer.data = event[selection.path] ?? .null
    try await handle.send(answer)
  }
}
