import Starling

/// One of the library's socket types behind the few operations `starling cat` needs.
struct CatSocket: Sendable {
  /// The socket itself, for dial, listen, options and close.
  let socket: any Socket
  /// Sends a message (for rep and respondent: answers the last one received).
  let send: (@Sendable (Message) async throws -> Void)?
  /// Receives the next message.
  let receive: (@Sendable () async throws -> Message)?
  /// Sends a request and waits for its reply, up to the timeout given (req only).
  let request: (@Sendable (Message, Duration?) async throws -> Message)?
  /// Sends a survey and returns its responses until the deadline (surveyor only).
  let survey: (@Sendable (Message) async throws -> SurveyResponses)?

  /// Opens a socket of `kind` with `options`, subscribed to `topics` for sub0.
  init(kind: SocketKind, options: SocketOptions, topics: [String]) {
    var request: (@Sendable (Message, Duration?) async throws -> Message)?
    var survey: (@Sendable (Message) async throws -> SurveyResponses)?
    switch kind {
    case .req0:
      let s = Req0(name: "cat", options: options)
      (socket, send, receive) = (s, s.send, s.receive)
      request = { try await s.request($0, timeout: $1) }
    case .rep0:
      let s = Rep0(name: "cat", options: options)
      (socket, send, receive) = (s, s.send, s.receive)
    case .pub0:
      let s = Pub0(name: "cat", options: options)
      (socket, send, receive) = (s, s.send, nil)
    case .sub0:
      let s = Sub0(name: "cat", options: options)
      for topic in topics { s.subscribe(topic) }
      (socket, send, receive) = (s, nil, s.receive)
    case .push0:
      let s = Push0(name: "cat", options: options)
      (socket, send, receive) = (s, s.send, nil)
    case .pull0:
      let s = Pull0(name: "cat", options: options)
      (socket, send, receive) = (s, nil, s.receive)
    case .surveyor0:
      let s = Surveyor0(name: "cat", options: options)
      (socket, send, receive) = (s, s.send, s.receive)
      survey = { try await s.survey($0) }
    case .respondent0:
      let s = Respondent0(name: "cat", options: options)
      (socket, send, receive) = (s, s.send, s.receive)
    case .pair0:
      let s = Pair0(name: "cat", options: options)
      (socket, send, receive) = (s, s.send, s.receive)
    case .pair1:
      let s = Pair1(name: "cat", options: options)
      (socket, send, receive) = (s, s.send, s.receive)
    case .bus0:
      let s = Bus0(name: "cat", options: options)
      (socket, send, receive) = (s, s.send, s.receive)
    }
    self.request = request
    self.survey = survey
  }
}
