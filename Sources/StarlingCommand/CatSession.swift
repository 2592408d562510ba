import NIOCore
import Starling

/// Carries out a ``CatConfiguration``: opens the socket, connects it, then sends, receives,
/// answers and prints as the protocol calls for.
///
/// The rules, the same for every protocol: a socket that can send sends its data once after
/// the delay, and again every interval if one is given. `count` stops after that many messages
/// received (answered for rep and respondent, sent for push and pub); a req or push/pub with a
/// count and no interval sends again as soon as the last one is done. Without a count a req
/// stops after its reply, a surveyor after the deadline of its last survey, a push or pub
/// after its last send; rep, respondent, pull, sub, pair and bus run until interrupted.
struct CatSession: Sendable {
  let configuration: CatConfiguration
  let output: any CatOutput

  /// How long push, pub, rep and respondent wait after their last send before closing, so the
  /// message leaves the process (nngcat waits the same 200 ms).
  static let linger: Duration = .milliseconds(200)

  /// Runs until the work is done.
  ///
  /// - Throws: ``CatError/failed(_:)`` with one line saying what went wrong.
  func run() async throws(CatError) {
    let config = configuration
    var options = SocketOptions()
    options.receiveTimeout = config.receiveTimeout
    options.sendTimeout = config.sendTimeout
    if let size = config.receiveMaxSize { options.receiveMaxSize = size }
    let cat = CatSocket(kind: config.kind, options: options, topics: config.topics)
    defer { cat.socket.close() }
    try await connect(cat.socket)
    switch config.kind {
    case .sub0, .pull0:
      try await receiveLoop(cat, limit: config.count)
    case .rep0, .respondent0:
      if let data = config.data {
        try await answerLoop(cat, data: data)
      } else {
        try await receiveLoop(cat, limit: config.count)
      }
    case .push0, .pub0:
      try await sendLoop(cat, data: config.data ?? [])
    case .req0:
      try await requestLoop(cat, data: config.data ?? [])
    case .surveyor0:
      try await surveyLoop(cat, data: config.data ?? [])
    case .pair0, .pair1, .bus0:
      if let data = config.data {
        try await sendAndReceive(cat, data: data)
      } else {
        try await receiveLoop(cat, limit: config.count)
      }
    }
  }

  /// Starts the listeners, then the dialers, applying the TLS settings to each.
  func connect(_ socket: any Socket) async throws(CatError) {
    let listens = configuration.endpoints.compactMap { if case .listen(let url) = $0 { url } else { nil } }
    let dials = configuration.endpoints.compactMap { if case .dial(let url) = $0 { url } else { nil } }
    for url in listens {
      try configuration.tls.apply(to: socket, for: url)
      do {
        let address = try await socket.listen(url).address
        if configuration.verbosity == .verbose { output.note("Listening at: \(address.url)") }
      } catch {
        throw .failed("cannot listen at \(url): \(Self.describe(error))")
      }
    }
    for url in dials {
      try configuration.tls.apply(to: socket, for: url)
      do {
        try await socket.dial(url, waitForConnection: !configuration.dialAsync)
        if configuration.verbosity == .verbose { output.note("Connected to: \(url)") }
      } catch {
        throw .failed("cannot dial \(url): \(Self.describe(error))")
      }
    }
  }

  /// Prints `limit` messages (or every message, without a limit).
  func receiveLoop(_ cat: CatSocket, limit: Int?) async throws(CatError) {
    guard let receive = cat.receive else { return }
    var received = 0
    while limit.map({ received < $0 }) ?? true {
      print(try await receiving(receive))
      received += 1
    }
  }

  /// rep and respondent with data: prints each request and answers it with the data.
  func answerLoop(_ cat: CatSocket, data: [UInt8]) async throws(CatError) {
    guard let receive = cat.receive, let send = cat.send else { return }
    var answered = 0
    while configuration.count.map({ answered < $0 }) ?? true {
      print(try await receiving(receive))
      try await sending(Message(data), with: send)
      answered += 1
    }
    try? await Task.sleep(for: Self.linger)
  }

  /// push and pub: sends the data once, `count` times, or every interval.
  func sendLoop(_ cat: CatSocket, data: [UInt8]) async throws(CatError) {
    guard let send = cat.send else { return }
    try await pause(configuration.delay)
    var sent = 0
    while true {
      let start = ContinuousClock.now
      try await sending(Message(data), with: send)
      sent += 1
      if let count = configuration.count {
        if sent >= count { break }
      } else if configuration.interval == nil {
        break
      }
      if let interval = configuration.interval { try await pause(until: start + interval) }
    }
    try? await Task.sleep(for: Self.linger)
  }

  /// req: sends the request and prints the reply; again for a count or every interval.
  func requestLoop(_ cat: CatSocket, data: [UInt8]) async throws(CatError) {
    guard let request = cat.request else { return }
    try await pause(configuration.delay)
    var received = 0
    while true {
      let start = ContinuousClock.now
      do {
        print(try await request(Message(data), configuration.receiveTimeout))
      } catch {
        throw .failed("no reply: \(Self.describe(error, timeout: configuration.receiveTimeout))")
      }
      received += 1
      if let count = configuration.count {
        if received >= count { break }
      } else if configuration.interval == nil {
        break
      }
      if let interval = configuration.interval { try await pause(until: start + interval) }
    }
  }

  /// surveyor: sends the survey and prints the responses until its deadline; again every
  /// interval.
  func surveyLoop(_ cat: CatSocket, data: [UInt8]) async throws(CatError) {
    guard let survey = cat.survey else { return }
    try await pause(configuration.delay)
    var received = 0
    while true {
      let start = ContinuousClock.now
      do {
        for try await response in try await survey(Message(data)) {
          print(response)
          received += 1
          if let count = configuration.count, received >= count { return }
        }
      } catch {
        throw .failed("survey failed: \(Self.describe(error, timeout: configuration.sendTimeout))")
      }
      guard let interval = configuration.interval else { break }
      try await pause(until: start + interval)
    }
  }

  /// pair and bus with data: sends it (every interval if given) while printing what arrives.
  func sendAndReceive(_ cat: CatSocket, data: [UInt8]) async throws(CatError) {
    guard let send = cat.send else { return }
    let configuration = configuration
    do {
      try await withThrowingTaskGroup(of: Bool.self) { group in
        group.addTask {
          try await pause(configuration.delay)
          while true {
            let start = ContinuousClock.now
            try await sending(Message(data), with: send)
            guard let interval = configuration.interval else { return false }
            try await pause(until: start + interval)
          }
        }
        group.addTask {
          try await receiveLoop(cat, limit: configuration.count)
          return true
        }
        // The receiver finishing ends the command; the sender finishing leaves the receiver.
        while let receiverDone = try await group.next() {
          if receiverDone {
            group.cancelAll()
            return
          }
        }
      }
      try? await Task.sleep(for: Self.linger)
    } catch let error as CatError {
      throw error
    } catch {
      throw .failed(String(describing: error))
    }
  }

  private func print(_ message: Message) {
    output.write(configuration.format.render(message.body.readableBytesView))
  }

  private func receiving(_ receive: @Sendable () async throws -> Message) async throws(CatError) -> Message {
    do {
      return try await receive()
    } catch {
      throw .failed("receive failed: \(Self.describe(error, timeout: configuration.receiveTimeout))")
    }
  }

  private func sending(
    _ message: Message, with send: @Sendable (Message) async throws -> Void
  )
    async throws(CatError)
  {
    do {
      try await send(message)
    } catch {
      throw .failed("send failed: \(Self.describe(error, timeout: configuration.sendTimeout))")
    }
  }

  private func pause(_ duration: Duration) async throws(CatError) {
    guard duration > .zero else { return }
    try await pause(until: ContinuousClock.now + duration)
  }

  private func pause(until deadline: ContinuousClock.Instant) async throws(CatError) {
    do {
      try await Task.sleep(until: deadline, clock: .continuous)
    } catch {
      throw .failed("interrupted")
    }
  }

  /// An error in words, naming the timeout when it is one.
  static func describe(_ error: any Error, timeout: Duration? = nil) -> String {
    switch error {
    case SPError.timedOut:
      if let timeout { return "timed out after \(SecondsParser.format(timeout)) s" }
      return "timed out"
    case let error as SPError:
      return error.description
    case let error as CatError:
      return error.description
    default:
      return String(describing: error)
    }
  }
}
