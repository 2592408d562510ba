// The patterns of part 2 beside nng, 64-byte messages over inproc and tcp:
//
// - "PubSub<N>": fan-out. A pub socket with N subscribers (1, 4, 16); one round publishes one
//   message and waits until every subscriber has received it (so that no pub queue overflows
//   and nothing is dropped). Per message = per round.
// - "Survey4": a surveyor with 4 respondents that echo each survey; one round sends a survey
//   and waits for the 4 answers.
//
// Both sides receive on the benchmark's own thread or task, subscriber after subscriber, so
// neither library gets a receive thread per socket that the other lacks; nng's respondents
// echo on a thread each, Starling's on a task each.

import Benchmark
import CNng
import Starling

/// Registers the pub/sub fan-out and survey benchmarks.
func registerPatternBenchmarks() {
  var configuration = Benchmark.defaultConfiguration
  configuration.maxDuration = .seconds(2)
  for transport in [Transport.inproc, .tcp] {
    for subscribers in [1, 4, 16] {
      let name = "PubSub\(subscribers) \(transport.rawValue) 64B"
      register("\(name): Starling", configuration) {
        try await StarlingFanOut(transport, subscribers: subscribers)
      }
      register("\(name): nng", configuration) { try NngFanOut(transport, subscribers: subscribers) }
    }
    let name = "Survey4 \(transport.rawValue) 64B"
    register("\(name): Starling", configuration) { try await StarlingSurvey(transport, respondents: 4) }
    register("\(name): nng", configuration) { try NngSurvey(transport, respondents: 4) }
  }
}

/// A pub socket listening and `subscribers` sub sockets dialed to it, subscribed to everything.
final class StarlingFanOut: AsyncFixture {
  private let pub: Pub0
  private let subs: [Sub0]
  private let message = Message(MessageSize.small.payload)

  init(_ transport: Transport, subscribers: Int) async throws {
    pub = Pub0()
    let bound = try await pub.listen(transport.listenAddress(library: "starling")).address
    var subs: [Sub0] = []
    for _ in 0..<subscribers {
      let sub = Sub0()
      try sub.subscribe("")
      try await sub.dial(bound.url)
      subs.append(sub)
    }
    self.subs = subs
    // Every subscriber's pipe must be up on the pub side before the first round.
    while pub.statistics.pipesOpen < subscribers { try await Task.sleep(for: .milliseconds(1)) }
  }

  func run(messages: Int) async throws {
    var bytes = 0
    for _ in 0..<messages {
      try await pub.send(message)
      for sub in subs { bytes &+= try await sub.receive().body.readableBytes }
    }
    blackHole(bytes)
  }

  func stop() async throws {
    for sub in subs { sub.close() }
    pub.close()
  }
}

/// A surveyor listening and `respondents` respondents dialed to it, each echoing on a task.
final class StarlingSurvey: AsyncFixture {
  private let surveyor: Surveyor0
  private let respondents: [Respondent0]
  private let echoes: [Task<Void, Never>]
  private let message = Message(MessageSize.small.payload)

  init(_ transport: Transport, respondents count: Int) async throws {
    var options = SocketOptions()
    options.surveyTime = .seconds(10)
    surveyor = Surveyor0(options: options)
    let bound = try await surveyor.listen(transport.listenAddress(library: "starling")).address
    var respondents: [Respondent0] = []
    var echoes: [Task<Void, Never>] = []
    for _ in 0..<count {
      let respondent = Respondent0()
      try await respondent.dial(bound.url)
      respondents.append(respondent)
      echoes.append(
        Task {
          while let survey = try? await respondent.nextSurvey() { try? await survey.reply(survey.message) }
        })
    }
    self.respondents = respondents
    self.echoes = echoes
    while surveyor.statistics.pipesOpen < count { try await Task.sleep(for: .milliseconds(1)) }
  }

  func run(messages: Int) async throws {
    var bytes = 0
    for _ in 0..<messages {
      try await surveyor.send(message)
      for _ in respondents { bytes &+= try await surveyor.receive().body.readableBytes }
    }
    blackHole(bytes)
  }

  func stop() async throws {
    surveyor.close()
    for respondent in respondents { respondent.close() }
    for echo in echoes { await echo.value }
  }
}

/// nng: a pub socket listening and `subscribers` sub sockets dialed to it.
final class NngFanOut: BlockingFixture {
  private let pub: nng_socket
  private let subs: [nng_socket]
  private let payload = MessageSize.small.payload

  init(_ transport: Transport, subscribers: Int) throws {
    var pub = nng_socket()
    try nngCheck(nng_pub0_open(&pub), "nng_pub0_open")
    let target = try nngListen(pub, transport)
    let pipes = try NngPipeCounter(pub)
    var subs: [nng_socket] = []
    for _ in 0..<subscribers {
      var sub = nng_socket()
      try nngCheck(nng_sub0_open(&sub), "nng_sub0_open")
      try nngCheck(nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE, nil, 0), "subscribe")
      try nngCheck(nng_dial(sub, target, nil, 0), "nng_dial \(target)")
      subs.append(sub)
    }
    self.pub = pub
    self.subs = subs
    try pipes.wait(for: subscribers)
  }

  func run(messages: Int) throws {
    try payload.withUnsafeBytes { bytes in
      let base = UnsafeMutableRawPointer(mutating: bytes.baseAddress!)
      var received = 0
      for _ in 0..<messages {
        try nngCheck(nng_send(pub, base, bytes.count, 0), "nng_send")
        for sub in subs {
          var message: OpaquePointer?
          try nngCheck(nng_recvmsg(sub, &message, 0), "nng_recvmsg")
          received &+= nng_msg_len(message)
          nng_msg_free(message)
        }
      }
      blackHole(received)
    }
  }

  func stop() throws {
    for sub in subs { nng_close(sub) }
    nng_close(pub)
  }
}

/// nng: a surveyor listening and `respondents` respondents dialed to it, each echoing on a thread.
final class NngSurvey: BlockingFixture {
  private let surveyor: nng_socket
  private let respondents: [nng_socket]
  private let echoes: [PeerThread]
  private let payload = MessageSize.small.payload

  init(_ transport: Transport, respondents count: Int) throws {
    var surveyor = nng_socket()
    try nngCheck(nng_surveyor0_open(&surveyor), "nng_surveyor0_open")
    try nngCheck(nng_socket_set_ms(surveyor, NNG_OPT_SURVEYOR_SURVEYTIME, 10_000), "survey time")
    let target = try nngListen(surveyor, transport)
    let pipes = try NngPipeCounter(surveyor)
    var respondents: [nng_socket] = []
    var echoes: [PeerThread] = []
    for _ in 0..<count {
      var respondent = nng_socket()
      try nngCheck(nng_respondent0_open(&respondent), "nng_respondent0_open")
      try nngCheck(nng_dial(respondent, target, nil, 0), "nng_dial \(target)")
      respondents.append(respondent)
      echoes.append(
        PeerThread(name: "nng respondent") { [respondent] in
          var message: OpaquePointer?
          while nng_recvmsg(respondent, &message, 0) == 0 {
            guard nng_sendmsg(respondent, message, 0) == 0 else {
              nng_msg_free(message)
              return
            }
          }
        })
    }
    self.surveyor = surveyor
    self.respondents = respondents
    self.echoes = echoes
    try pipes.wait(for: count)
  }

  func run(messages: Int) throws {
    try payload.withUnsafeBytes { bytes in
      let base = UnsafeMutableRawPointer(mutating: bytes.baseAddress!)
      var received = 0
      for _ in 0..<messages {
        try nngCheck(nng_send(surveyor, base, bytes.count, 0), "nng_send")
        for _ in respondents {
          var answer: OpaquePointer?
          try nngCheck(nng_recvmsg(surveyor, &answer, 0), "nng_recvmsg")
          received &+= nng_msg_len(answer)
          nng_msg_free(answer)
        }
      }
      blackHole(received)
    }
  }

  func stop() throws {
    for respondent in respondents { nng_close(respondent) }
    for echo in echoes { echo.join() }
    nng_close(surveyor)
  }
}
