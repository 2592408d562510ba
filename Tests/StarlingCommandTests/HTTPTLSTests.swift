import Foundation
import Testing

/// HTTPS on `input.http`, from the command line, against a real TLS client (curl): a request
/// answered over TLS, and client certificates required when an authority is given.
@Suite(.timeLimit(.minutes(5)))
struct HTTPTLSTests {
  /// An HTTPS server whose replies echo each request's body.
  static func echo(_ certificates: OpsPeer.Certificates, extra: String = "") -> String {
    """
    modules:
      api:
        module: input.http
        arguments:
          listen: "127.0.0.1:0"
          format: string
          tls_cert: "\(certificates.path("server", "crt"))"
          tls_key: "\(certificates.path("server", "key"))"
    \(extra)
      answer:
        module: output.reply
    routes:
      - api.outbox -> answer.inbox
    """
  }

  /// `curl` POSTing `body` to `https://localhost:PORT/`, trusting the test authority, with the
  /// client certificate `name` if given.
  static func curl(
    _ port: Int, _ certificates: OpsPeer.Certificates, body: String, as name: String? = nil
  ) async throws -> ChildProcess.Outcome {
    var arguments = [
      "--silent", "--show-error", "--max-time", "30", "--cacert", certificates.path("ca", "crt"),
      "--resolve", "localhost:\(port):127.0.0.1", "--data-binary", body, "https://localhost:\(port)/",
    ]
    if let name {
      arguments += ["--cert", certificates.path(name, "crt"), "--key", certificates.path(name, "key")]
    }
    return try await ChildProcess("/usr/bin/curl", arguments).finish()
  }

  @Test func anHTTPSRequestIsServedAndAnswered() async throws {
    let certificates = try await OpsPeer.Certificates.make()
    let run = try Tools.starling(["run", try OpsPeer.config(Self.echo(certificates))])
    let line = try await run.line(containing: "api: listening on ")
    #expect(line.contains("listening on https://127.0.0.1:"), "\(line)")
    let port = try await OpsPeer.listeningPort(of: run)
    let answer = try await Self.curl(port, certificates, body: "over TLS")
    #expect(answer.status == 0, "\(answer.stderr)")
    #expect(answer.stdoutText == "over TLS")
    run.signal(SIGINT)
    #expect(try await run.finish().status == 0)
  }

  @Test func clientCertificatesSignedByTheCAAreRequiredWhenOneIsGiven() async throws {
    let certificates = try await OpsPeer.Certificates.make()
    let config = Self.echo(certificates, extra: "      tls_ca: \"\(certificates.path("ca", "crt"))\"")
    let run = try Tools.starling(["run", try OpsPeer.config(config)])
    let port = try await OpsPeer.listeningPort(of: run)
    let trusted = try await Self.curl(port, certificates, body: "who", as: "client")
    #expect(trusted.status == 0, "\(trusted.stderr)")
    #expect(trusted.stdoutText == "who")
    let anonymous = try await Self.curl(port, certificates, body: "who")
    #expect(anonymous.status != 0)
    #expect(anonymous.stdoutText.isEmpty)
    let stranger = try await Self.curl(port, certificates, body: "who", as: "stranger")
    #expect(stranger.status != 0)
    #expect(stranger.stdoutText.isEmpty)
    // The server says why, in words, and goes on serving.
    _ = try await run.line(
      containing: "TLS: bad certificate: the peer sent no certificate, and one is required")
    _ = try await run.line(containing: "is issued by 'Ops Other CA', which is not a trusted authority")
    #expect(try await Self.curl(port, certificates, body: "again", as: "client").stdoutText == "again")
    run.signal(SIGINT)
    let outcome = try await run.finish()
    #expect(outcome.status == 0)
    #expect(!outcome.stderr.contains("NIOSSL"), "\(outcome.stderr)")
    #expect(!outcome.stderr.contains("bad request"), "\(outcome.stderr)")
  }
}
