/// Everything `starling cat` was asked to do, parsed and checked, with no I/O in it.
///
/// ``CatCommand`` turns flags into this value; ``CatSession`` carries it out.
struct CatConfiguration: Sendable, Equatable {
  /// Where to connect or listen; listeners are started before dialers.
  enum Endpoint: Sendable, Equatable {
    case dial(String)
    case listen(String)

    /// The URL.
    var url: String {
      switch self {
      case .dial(let url), .listen(let url): url
      }
    }
  }

  /// How chatty the command is about its connections (on stderr).
  enum Verbosity: Sendable, Equatable {
    case normal, silent, verbose
  }

  var kind: SocketKind
  var endpoints: [Endpoint]
  var format: OutputFormat = .no
  /// The data to send (or to answer with); `nil` when none was given.
  var data: [UInt8]?
  /// Stop after this many messages received (answered for rep and respondent, sent for push
  /// and pub); `nil` for no limit.
  var count: Int?
  var delay: Duration = .zero
  var interval: Duration?
  var receiveTimeout: Duration?
  var sendTimeout: Duration?
  var receiveMaxSize: Int?
  var topics: [String] = []
  var verbosity: Verbosity = .normal
  /// Dial without waiting for the first connection (nngcat's `--async`).
  var dialAsync = false
  var tls = TLSSettings()

  /// Checks the combination of options the way nngcat does, and fills in the defaults that
  /// depend on the protocol (a sub with no topic subscribes to everything).
  ///
  /// - Throws: ``CatError/usage(_:)`` naming the conflict.
  mutating func validate() throws(CatError) {
    if endpoints.isEmpty {
      throw .usage("no address given (use --dial URL or --listen URL)")
    }
    if kind == .sub0 {
      if topics.isEmpty { topics = [""] }
    } else if !topics.isEmpty {
      throw .usage("--subscribe needs --sub0")
    }
    if let count, count <= 0 {
      throw .usage("--count must be at least 1")
    }
    switch kind {
    case .pull0, .sub0:
      if data != nil { throw .usage("--\(kind.rawValue) cannot send: remove --data/--file") }
      if interval != nil { throw .usage("--\(kind.rawValue) cannot send: remove --interval") }
    case .push0, .pub0:
      if format != .no { throw .usage("--\(kind.rawValue) receives nothing to print: remove the format") }
      if data == nil { throw .usage("--\(kind.rawValue) needs --data or --file") }
    case .req0, .surveyor0:
      if data == nil { throw .usage("--\(kind.rawValue) needs --data or --file") }
    case .rep0, .respondent0:
      if interval != nil { throw .usage("--\(kind.rawValue) only answers: remove --interval") }
    case .pair0, .pair1, .bus0:
      if interval != nil, data == nil { throw .usage("--interval needs --data or --file") }
    }
  }
}
