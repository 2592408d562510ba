import Foundation
import Testing

@testable import Starling

/// tls+tcp: certificates from files and memory, verification by default, mutual TLS, and each
/// way a TLS connection can go wrong, failing that connection with an error that says which.
@Suite(.timeLimit(.minutes(5))) struct TLSTransportTests {
  /// A rep socket listening on tls+tcp with the certificate `name`.
  func listeningRep(
    _ name: String = "server", authentication: TLSOptions.Authentication? = nil
  ) async throws -> (Rep0, Address) {
    let certificates = try await TestCertificates.make()
    var options = SocketOptions()
    options.tls = certificates.listener(name, authentication: authentication)
    // A loaded machine (the whole suite under ThreadSanitizer on two cores) can hold a test's
    // raw peer for seconds between connecting and writing: only the peer's bytes, never the
    // clock, may decide these tests.
    options.handshakeTimeout = .seconds(60)
    let rep = Rep0(options: options)
    return (rep, try await rep.listen("tls+tcp://127.0.0.1:0").address)
  }

  /// A req socket with these TLS options.
  func req(_ tls: TLSOptions) -> Req0 {
    var options = SocketOptions()
    options.tls = tls
    return Req0(options: options)
  }

  /// Checks that a real nng requester, dialing over TLS, still gets answers.
  func servesAWellBehavedPeer(_ rep: Rep0, at address: Address, certificate: String? = nil) async throws {
    try await StarlingTests.servesAWellBehavedPeer(
      rep, at: address, environment: await TestCertificates.make().peerDialing(certificate: certificate))
  }

  func answerOne(_ rep: Rep0) {
    Task {
      let request = try await rep.nextRequest()
      try await request.reply(Message(string: "re:" + request.message.string))
    }
  }

  @Test func starlingToStarlingWithFilesAndMemory() async throws {
    let (rep, address) = try await listeningRep()
    defer { rep.close() }
    let req = req(try await TestCertificates.make().dialer())
    defer { req.close() }
    try await req.dial(address.url)
    answerOne(rep)
    #expect(try await req.request("over tls").string == "re:over tls")
    #expect(address.url.hasPrefix("tls+tcp://127.0.0.1:") && address.port != 0)
  }

  @Test func serverNameIsChecked() async throws {
    let (rep, address) = try await listeningRep("elsewhere")
    defer { rep.close() }
    let good = req(try await TestCertificates.make().dialer(serverName: "elsewhere.example"))
    defer { good.close() }
    try await good.dial(address.url)
    let bad = req(try await TestCertificates.make().dialer(serverName: "wrong.example"))
    defer { bad.close() }
    await #expect(
      throws: SPError.tlsNameMismatch("the listener's certificate is not valid for 'wrong.example'")
    ) {
      try await bad.dial(address.url)
    }
  }

  @Test func nameMismatch() async throws {
    let (rep, address) = try await listeningRep("elsewhere")
    defer { rep.close() }
    let req = req(try await TestCertificates.make().dialer())
    defer { req.close() }
    let error = await #expect(throws: SPError.self) { try await req.dial(address.url) }
    guard case .tlsNameMismatch(let reason)? = error else {
      Issue.record("expected a name mismatch, got \(String(describing: error))")
      return
    }
    #expect(reason.contains("127.0.0.1"))
    #expect("\(error!)".contains("certificate name mismatch"))
  }

  @Test func unknownAuthority() async throws {
    let (rep, address) = try await listeningRep("stranger")
    defer { rep.close() }
    let req = req(try await TestCertificates.make().dialer())
    defer { req.close() }
    let error = await #expect(throws: SPError.self) { try await req.dial(address.url) }
    guard case .tlsUnknownAuthority(let reason)? = error else {
      Issue.record("expected an unknown authority, got \(String(describing: error))")
      return
    }
    #expect(reason.contains("Some Other CA"))
    try await eventually("the listener records the refusal") { rep.statistics.lastPipeError != nil }
    guard case .tlsUnknownAuthority(let refusal)? = rep.statistics.lastPipeError else {
      Issue.record("expected the listener to hear of the unknown authority, got \(lastError(rep))")
      return
    }
    #expect(refusal.contains("does not trust"))
  }

  @Test func verificationIsOnByDefault() async throws {
    let (rep, address) = try await listeningRep()
    defer { rep.close() }
    let req = Req0()  // default options: the system's authorities, which do not know the test CA
    defer { req.close() }
    let error = await #expect(throws: SPError.self) { try await req.dial(address.url) }
    guard case .tlsUnknownAuthority? = error else {
      Issue.record("expected an unknown authority, got \(String(describing: error))")
      return
    }
  }

  @Test func expiredCertificate() async throws {
    let (rep, address) = try await listeningRep("expired")
    defer { rep.close() }
    let req = req(try await TestCertificates.make().dialer())
    defer { req.close() }
    let error = await #expect(throws: SPError.self) { try await req.dial(address.url) }
    guard case .tlsBadCertificate(let reason)? = error else {
      Issue.record("expected a bad certificate, got \(String(describing: error))")
      return
    }
    #expect(reason.contains("expired"))
  }

  @Test func plainTCPPeerOnATLSListener() async throws {
    let (rep, address) = try await listeningRep()
    defer { rep.close() }
    let raw = try await RawPeer(connectingTo: address)
    try await raw.handshake(as: .req0)
    try await raw.closedByPeer()
    try await eventually("the failure is recorded") { rep.statistics.lastPipeError != nil }
    guard case .tlsNotTLS? = rep.statistics.lastPipeError else {
      Issue.record("expected 'not TLS', got \(String(describing: rep.statistics.lastPipeError))")
      return
    }
    try await servesAWellBehavedPeer(rep, at: address)
  }

  @Test func tlsDialerAtAPlainTCPListener() async throws {
    let rep = Rep0()
    defer { rep.close() }
    let plain = try await rep.listen("tcp://127.0.0.1:0").address
    let req = req(try await TestCertificates.make().dialer())
    defer { req.close() }
    let error = await #expect(throws: SPError.self) {
      try await req.dial("tls+tcp://127.0.0.1:\(plain.port)")
    }
    guard case .tlsNotTLS? = error else {
      Issue.record("expected 'not TLS', got \(String(describing: error))")
      return
    }
  }

  @Test func mutualTLS() async throws {
    let (rep, address) = try await listeningRep(authentication: .required)
    defer { rep.close() }
    let certificates = try await TestCertificates.make()
    let anonymous = req(try certificates.dialer())
    defer { anonymous.close() }
    let error = await #expect(throws: SPError.self) {
      try await anonymous.dial(address.url)
      // TLS 1.3 finishes the dialer's handshake before the listener checks its certificate;
      // the refusal then closes the connection before any message.
      anonymous.options.receiveTimeout = .seconds(5)
      _ = try await anonymous.request("anyone?")
    }
    #expect(error != nil)
    try await eventually("the listener records the missing certificate") {
      rep.statistics.lastPipeError != nil
    }
    guard case .tlsBadCertificate(let reason)? = rep.statistics.lastPipeError else {
      Issue.record("expected a bad certificate, got \(String(describing: rep.statistics.lastPipeError))")
      return
    }
    #expect(reason.contains("no certificate"))

    let known = req(try certificates.dialer(certificate: "client"))
    defer { known.close() }
    try await known.dial(address.url)
    answerOne(rep)
    #expect(try await known.request("it's me").string == "re:it's me")
    try await servesAWellBehavedPeer(rep, at: address, certificate: "client")
  }

  @Test func optionalAuthentication() async throws {
    let (rep, address) = try await listeningRep(authentication: .optional)
    defer { rep.close() }
    let certificates = try await TestCertificates.make()
    let anonymous = req(try certificates.dialer())
    defer { anonymous.close() }
    try await anonymous.dial(address.url)
    answerOne(rep)
    #expect(try await anonymous.request("no certificate").string == "re:no certificate")

    // A certificate the dialer does present must verify.
    let stranger = req(try certificates.dialer(certificate: "stranger"))
    defer { stranger.close() }
    let error = await #expect(throws: SPError.self) {
      try await stranger.dial(address.url)
      stranger.options.receiveTimeout = .seconds(5)
      _ = try await stranger.request("a stranger")
    }
    #expect(error != nil)
    try await eventually("the listener records the unknown authority") { rep.statistics.lastPipeError != nil }
    guard case .tlsUnknownAuthority(let reason)? = rep.statistics.lastPipeError else {
      Issue.record("expected an unknown authority, got \(lastError(rep))")
      return
    }
    #expect(reason.contains("Some Other CA"))
  }

  @Test func listenerNeedsACertificate() async throws {
    let rep = Rep0()
    defer { rep.close() }
    let error = await #expect(throws: SPError.self) { try await rep.listen("tls+tcp://127.0.0.1:0").address }
    guard case .tlsFailed(let reason)? = error else {
      Issue.record("expected a TLS configuration error, got \(String(describing: error))")
      return
    }
    #expect(reason.contains("needs a certificate"))
  }

  @Test func unreadableCertificateFile() async throws {
    var options = SocketOptions()
    options.tls = TLSOptions(
      certificate: .file("/nonexistent/cert.pem"), privateKey: .file("/nonexistent/key.pem"))
    let rep = Rep0(options: options)
    defer { rep.close() }
    let error = await #expect(throws: SPError.self) { try await rep.listen("tls+tcp://127.0.0.1:0").address }
    guard case .tlsFailed(let reason)? = error else {
      Issue.record("expected a TLS configuration error, got \(String(describing: error))")
      return
    }
    #expect(reason.contains("cannot load"))
  }
}
