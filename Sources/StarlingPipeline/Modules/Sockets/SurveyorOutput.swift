import Logging
import Starling

/// `output.surveyor`: each event sent as a survey; every answer comes out as an event.
actor SurveyorOutput: PipelineModule {
  static let descriptor = ModuleDescriptor(
    type: "output.surveyor",
    summary: "Sends each event (its `selection`) as a survey on a surveyor0 socket and emits the answers.",
    discussion: """
      Every connected respondent gets the survey; each answer that arrives within \
      `survey_time` comes out on `outbox` as a clone of the event with the answer body as \
      data (see `format`) and the pipe it came on at `header.sp.pipe`. The module takes the \
      next event once the survey time is over. An answer that does not fit `format` is \
      logged and dropped. The body is the selected value: bytes as they are, strings as \
      UTF-8, anything else as JSON. A bad URL is a config error; a listen address in use \
      stops the pipeline before it starts.
      """,
    arguments: SocketEndpoints.arguments + [
      MessageSelection.argument,
      MessageFormat.argument,
      ArgumentSpec(
        "survey_time", .duration, default: 1, in: 0.001...86400, "How long each survey collects answers."),
    ],
    example: """
      census:
        module: output.surveyor
        arguments:
          listen: tcp://127.0.0.1:5557
          survey_time: 500ms
      """)

  let context: ModuleContext
  let endpoints: SocketEndpoints
  let selection: MessageSelection
  let format: MessageFormat
  let outbox: PipelineQueue
  let socket: Surveyor0

  init(context: ModuleContext) throws {
    self.context = context
    socket = Surveyor0(name: context.name)
    endpoints = try SocketEndpoints(context.arguments)
    selection = try MessageSelection(context.arguments)
    format = MessageFormat(context.arguments)
    let surveyTime = context.arguments.duration("survey_time") ?? .seconds(1)
    guard surveyTime > .zero else { throw PipelineError.invalidArgument("survey_time must be more than 0") }
    socket.options.surveyTime = surveyTime
    outbox = context.output("outbox")
  }

  func willStart() async throws {
    try await endpoints.open(socket, context: context)
  }

  func consume(_ event: Event, from queue: String) async throws {
    for try await answer in try await socket.survey(Message(selection.bytes(of: event))) {
      var copy = event.cloned()
      do {
        copy.data = try format.decode(answer.bytes)
      } catch {
        context.log(.warning, "dropped an answer from \(MessageInputLoop.origin(answer)): \(error)")
        continue
      }
      if let pipe = answer.pipe { copy["header.sp.pipe"] = .int(Int(pipe.rawValue)) }
      try await outbox.send(copy)
    }
  }

  func didStop() async {
    socket.close()
  }
}
