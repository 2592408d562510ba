import Foundation
import Testing

/// TLS on `input.tcp` and `output.tcp`, from the command line, against real TLS peers (Python's
/// ssl module): a TLS echo server, client certificates required or not, a certificate that
/// cannot be read, and a TLS client output.
@Suite(.timeLimit(.minutes(5)))
struct TCPTLSTests {
  /// An echo server over TLS: each line comes back on the same connection.
  static func echo(_ certificates: OpsPeer.Certificates, extra: String = "") -> String {
    """
    modules:
      server:
        module: input.tcp
        arguments:
          listen: "127.0.0.1:0"
          tls_cert: "\(certificates.path("server", "crt"))"
          tls_key: "\(certificates.path("server", "key"))"
    \(extra)
      answer:
        module: output.reply
    routes:
      - server.outbox -> answer.inbox
    """
  }

  @Test func aTLSClientIsServedAndAnswered() async throws {
    let certificates = try await OpsPeer.Certificates.make()
    let run = try Tools.starling(["run", try OpsPeer.config(Self.echo(certificates))])
    let line = try await run.line(containing: "server: listening on ")
    #expect(line.contains("listening on tls+tcp://127.0.0.1:"))
    let port = try await OpsPeer.listeningPort(of: run)
    let client = try await OpsPeer.start([
      "client", "\(port)", "--ca", certificates.path("ca", "crt"), "--line", "hello", "--line", "over TLS",
    ]).finish()
    #expect(client.status == 0, "\(client.stdoutText) \(client.stderr)")
    #expect(client.stdoutText == "hello\nover TLS\n")
    run.signal(SIGINT)
    #expect(try await run.finish().status == 0)
  }

  @Test func clientCertificatesSignedByTheCAAreRequiredWhenOneIsGiven() async throws {
    let certificates = try await OpsPeer.Certificates.make()
    let config = Self.echo(certificates, extra: "      tls_ca: \"\(certificates.path("ca", "crt"))\"")
    let run = try Tools.starling(["run", try OpsPeer.config(config)])
    let port = try await OpsPeer.listeningPort(of: run)
    let ca = certificates.path("ca", "crt")
    func client(_ name: String?) async throws -> ChildProcess.Outcome {
      var arguments = ["client", "\(port)", "--ca", ca, "--line", "who"]
      if let name {
        arguments += ["--cert", certificates.path(name, "crt"), "--key", certificates.path(name, "key")]
      }
      return try await OpsPeer.start(arguments).finish()
    }
    let trusted = try await client("client")
    #expect(trusted.status == 0, "\(trusted.stdoutText)")
    #expect(trusted.stdoutText == "who\n")
    let anonymous = try await client(nil)
    #expect(anonymous.status == 3, "\(anonymous.stdoutText)")
    #expect(anonymous.stdoutText.hasPrefix("handshake failed"))
    let stranger = try await client("stranger")
    #expect(stranger.status == 3, "\(stranger.stdoutText)")
    // The server says why, in words, and goes on serving.
    _ = try await run.line(
      containing: "TLS: bad certificate: the peer sent no certificate, and one is required")
    _ = try await run.line(containing: "is issued by 'Ops Other CA', which is not a trusted authority")
    #expect(try await client("client").stdoutText == "who\n")
    run.signal(SIGINT)
    let outcome = try await run.finish()
    #expect(outcome.status == 0)
    #expect(!outcome.stderr.contains("NIOSSL"), "\(outcome.stderr)")
  }

  @Test func aCertificateThatCannotBeReadStopsTheStartWithItsName() async throws {
    let missing = NSTemporaryDirectory() + "starling-no-such-\(UUID().uuidString).crt"
    let config = """
      modules:
        server:
          module: input.tcp
          arguments:
            listen: "127.0.0.1:0"
            tls_cert: "\(missing)"
            tls_key: "\(missing)"
        answer:
          module: output.reply
      routes:
        - server.outbox -> answer.inbox
      """
    let outcome = try await Tools.starling(["run", try OpsPeer.config(config)]).finish()
    #expect(outcome.status == 1)
    #expect(
      outcome.stderrLines.last
        == "starling: module 'server' failed to start: `tls_cert` file '\(missing)' does not exist")
  }

  @Test func tlsArgumentsWithoutACertificateAreAConfigError() async throws {
    let config = """
      modules:
        server:
          module: input.tcp
          arguments:
            tls_client_auth: required
        answer:
          module: output.reply
      routes:
        - server.outbox -> answer.inbox
      """
    let file = try OpsPeer.config(config)
    let outcome = try await Tools.starling(["validate", file]).finish()
    #expect(outcome.status == 1)
    #expect(
      outcome.stderrLines == [
        "\(file):2:3: error: module 'server' (input.tcp): `tls_client_auth` needs TLS: give `tls_cert` and `tls_key` too"
      ])
  }

  @Test func outputTCPSpeaksTLSToARealServer() async throws {
    let certificates = try await OpsPeer.Certificates.make()
    let server = try OpsPeer.start([
      "tls-server", "--cert", certificates.path("server", "crt"), "--key", certificates.path("server", "key"),
    ])
    let port = try await OpsPeer.port(of: server)
    let config = """
      modules:
        words:
          module: input.generator
          arguments: {interval: 0, count: 3, payload: "secret {{n}}"}
        forward:
          module: output.tcp
          arguments:
            address: "localhost:\(port)"
            tls: true
            tls_ca: "\(certificates.path("ca", "crt"))"
      routes:
        - words.outbox -> forward.inbox
      """
    let run = try await Tools.starling(["run", try OpsPeer.config(config)]).finish()
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stderr.contains("connected to tls+tcp://localhost:\(port)"))
    for number in 1...3 { _ = try await server.line(startingWith: "secret \(number)", on: .stdout) }
    _ = try await server.stop()
  }

  @Test func outputTCPRefusesAServerItDoesNotTrust() async throws {
    let certificates = try await OpsPeer.Certificates.make()
    let server = try OpsPeer.start([
      "tls-server", "--cert", certificates.path("stranger", "crt"), "--key",
      certificates.path("stranger", "key"),
    ])
    let port = try await OpsPeer.port(of: server)
    let config = """
      modules:
        words:
          module: input.generator
          arguments: {interval: 0, count: 1}
        forward:
          module: output.tcp
          arguments:
            address: "127.0.0.1:\(port)"
            tls: true
            tls_ca: "\(certificates.path("ca", "crt"))"
            retries: 0
      routes:
        - words.outbox -> forward.inbox
      """
    let run = try await Tools.starling(["run", try OpsPeer.config(config)]).finish()
    #expect(run.status == 0, "\(run.stderr)")
    #expect(
      run.stderr.contains(
        "forward: an event failed: cannot connect to 127.0.0.1:\(port): TLS: unknown certificate authority: "
          + "the peer's certificate 'stranger' is issued by 'Ops Other CA', which is not a trusted authority"),
      "\(run.stderr)")
    _ = try await server.stop()
  }
}
