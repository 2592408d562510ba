import ArgumentParser
import Foundation
import Logging

/// `starling cat`: talk to any Scalability Protocols peer from the shell, with nngcat's flags.
struct CatCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cat",
    abstract: "Send and receive Scalability Protocols messages from the shell (nngcat's flags).",
    discussion: """
      A socket that can send sends its data once after --delay, and again every --interval. \
      A req prints the reply; a rep or respondent prints each request or survey and answers it \
      with the data; a surveyor prints the responses until the survey deadline (1 s). \
      --count N stops after N messages received (rep, respondent: answered; push, pub: sent); \
      with --count and no --interval, req, push and pub send again as soon as the last send \
      is done. Without --count, req, surveyor, push and pub exit when done; the others run \
      until interrupted. --async dials in the background instead of failing when nothing \
      listens yet. Listeners start before dialers. Nothing is printed unless a format is \
      chosen (as in nngcat). Errors print one line on stderr and exit non-zero.

      Example:
        starling cat --rep0 --listen tcp://127.0.0.1:5555 --data pong --quoted &
        starling cat --req0 --dial tcp://127.0.0.1:5555 --data ping --quoted
      """)

  @Flag(help: "The protocol (one of them).")
  var kind: SocketKind?

  @Option(
    name: [.customLong("dial"), .customLong("connect")],
    help: ArgumentHelp("Connect to URL (repeatable).", valueName: "url"))
  var dial: [String] = []

  @Option(
    name: [.customLong("listen"), .customLong("bind")],
    help: ArgumentHelp("Listen at URL (repeatable).", valueName: "url"))
  var listen: [String] = []

  @Option(
    name: [.customLong("bind-local"), .customShort("L")],
    help: ArgumentHelp("Listen at tcp://127.0.0.1:PORT.", valueName: "port"))
  var bindLocal: [Int] = []

  @Option(
    name: [.customLong("connect-local"), .customShort("l")],
    help: ArgumentHelp("Connect to tcp://127.0.0.1:PORT.", valueName: "port"))
  var connectLocal: [Int] = []

  @Option(
    name: [.customLong("bind-ipc"), .customShort("X")],
    help: ArgumentHelp("Listen at ipc:///PATH.", valueName: "path"))
  var bindIPC: [String] = []

  @Option(
    name: [.customLong("connect-ipc"), .customShort("x")],
    help: ArgumentHelp("Connect to ipc:///PATH.", valueName: "path"))
  var connectIPC: [String] = []

  @Option(
    help: ArgumentHelp(
      "How to print received messages: no, raw, ascii, quoted, hex or msgpack (default: no).",
      valueName: "format"))
  var format: String?

  @Flag(name: .customLong("raw"), help: "--format raw") var raw = false
  @Flag(name: [.customLong("ascii"), .customShort("A")], help: "--format ascii") var ascii = false
  @Flag(name: [.customLong("quoted"), .customShort("Q")], help: "--format quoted") var quoted = false
  @Flag(name: .customLong("hex"), help: "--format hex") var hex = false
  @Flag(name: .customLong("msgpack"), help: "--format msgpack") var msgpack = false

  @Option(
    name: [.customLong("data"), .customShort("D")], help: ArgumentHelp("The data to send.", valueName: "text")
  )
  var data: String?

  @Option(
    name: [.customLong("file"), .customShort("F")],
    help: ArgumentHelp("Send the contents of this file (- for stdin).", valueName: "path"))
  var file: String?

  @Option(
    name: [.customLong("count"), .customShort("C")],
    help: ArgumentHelp("Stop after this many messages.", valueName: "n"))
  var count: Int?

  @Option(
    name: [.customLong("delay"), .customShort("d")],
    help: ArgumentHelp("Seconds to wait before the first send.", valueName: "secs"))
  var delay: String?

  @Option(
    name: [.customLong("interval"), .customShort("i")],
    help: ArgumentHelp("Send again every this many seconds.", valueName: "secs"))
  var interval: String?

  @Option(
    name: .customLong("recv-timeout"),
    help: ArgumentHelp("Seconds a receive may wait; then exit with an error.", valueName: "secs"))
  var receiveTimeout: String?

  @Option(
    name: .customLong("send-timeout"),
    help: ArgumentHelp("Seconds a send may wait; then exit with an error.", valueName: "secs"))
  var sendTimeout: String?

  @Option(
    name: [.customLong("recv-maxsz"), .customShort("Z")],
    help: ArgumentHelp("Largest message accepted (0: no limit).", valueName: "bytes"))
  var receiveMaxSize: Int?

  @Option(
    name: .customLong("subscribe"),
    help: ArgumentHelp("With --sub0: a topic prefix (repeatable; default all).", valueName: "topic"))
  var subscribe: [String] = []

  @Flag(
    name: [.customLong("silent"), .customShort("q")],
    help: "Print nothing about connections, not even warnings.")
  var silent = false

  @Flag(
    name: [.customLong("verbose"), .customShort("v")],
    help: "Print 'Listening at:'/'Connected to:' and connection events on stderr.")
  var verbose = false

  @Flag(name: .customLong("async"), help: "Dial in the background instead of waiting for the connection.")
  var dialAsync = false

  @Option(
    name: .customLong("cacert"),
    help: ArgumentHelp("TLS: the CA certificates to trust (PEM).", valueName: "file"))
  var caCertificate: String?

  @Option(
    name: [.customLong("cert"), .customShort("E")],
    help: ArgumentHelp("TLS: this side's certificate (PEM).", valueName: "file"))
  var certificate: String?

  @Option(
    name: .customLong("key"),
    help: ArgumentHelp("TLS: the certificate's private key (PEM).", valueName: "file"))
  var key: String?

  @Flag(name: [.customLong("insecure"), .customShort("k")], help: "TLS: do not verify the peer.")
  var insecure = false

  /// The configuration these flags ask for, checked; `--file` is read here.
  func makeConfiguration() throws(CatError) -> CatConfiguration {
    guard let kind else {
      throw .usage(
        "no protocol given (one of --req0 --rep0 --pub0 --sub0 --push0 --pull0 --surveyor0 "
          + "--respondent0 --pair0 --pair1 --bus0)")
    }
    var endpoints: [CatConfiguration.Endpoint] = listen.map { .listen($0) }
    for port in bindLocal { endpoints.append(.listen("tcp://127.0.0.1:\(try Self.port(port))")) }
    endpoints += bindIPC.map { .listen("ipc:///\($0)") }
    endpoints += dial.map { .dial($0) }
    for port in connectLocal { endpoints.append(.dial("tcp://127.0.0.1:\(try Self.port(port))")) }
    endpoints += connectIPC.map { .dial("ipc:///\($0)") }

    var config = CatConfiguration(kind: kind, endpoints: endpoints)
    config.format = try outputFormat()
    if data != nil, file != nil { throw .usage("give the data once: --data or --file") }
    if let data { config.data = Array(data.utf8) }
    if let file { config.data = try Self.read(file) }
    config.count = count
    if let delay { config.delay = try SecondsParser.parse(delay, flag: "--delay") }
    if let interval { config.interval = try SecondsParser.parse(interval, flag: "--interval") }
    if let receiveTimeout {
      config.receiveTimeout = try SecondsParser.parse(receiveTimeout, flag: "--recv-timeout")
    }
    if let sendTimeout { config.sendTimeout = try SecondsParser.parse(sendTimeout, flag: "--send-timeout") }
    if let receiveMaxSize, receiveMaxSize < 0 { throw .usage("--recv-maxsz cannot be negative") }
    config.receiveMaxSize = receiveMaxSize
    config.topics = subscribe
    if silent, verbose { throw .usage("--silent and --verbose contradict each other") }
    config.verbosity = verbose ? .verbose : silent ? .silent : .normal
    config.dialAsync = dialAsync
    config.tls = TLSSettings(
      caCertificate: caCertificate, certificate: certificate, key: key, insecure: insecure)
    try config.validate()
    return config
  }

  /// The output format from `--format` or one of the format flags (only one may be given).
  func outputFormat() throws(CatError) -> OutputFormat {
    var chosen: [OutputFormat] = []
    if let format {
      guard let parsed = OutputFormat(rawValue: format) else {
        throw .usage("unknown --format '\(format)' (no, raw, ascii, quoted, hex or msgpack)")
      }
      chosen.append(parsed)
    }
    for (flag, value) in [
      (raw, OutputFormat.raw), (ascii, .ascii), (quoted, .quoted), (hex, .hex), (msgpack, .msgpack),
    ]
    where flag {
      chosen.append(value)
    }
    guard chosen.count <= 1 else { throw .usage("give one output format only") }
    return chosen.first ?? .no
  }

  private static func port(_ port: Int) throws(CatError) -> Int {
    guard (0...65535).contains(port) else { throw .usage("port \(port) is not between 0 and 65535") }
    return port
  }

  private static func read(_ path: String) throws(CatError) -> [UInt8] {
    if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw .usage("cannot read --file \(path)")
    }
    return Array(data)
  }

  func run() async throws {
    let configuration = try makeConfiguration()
    LogSetup.start(level: LogSetup.level(for: configuration.verbosity))
    let session = CatSession(configuration: configuration, output: StandardOutput())
    try await session.run()
  }
}
