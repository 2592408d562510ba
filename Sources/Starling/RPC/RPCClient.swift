/// Calls remote procedures over a ``Req0`` socket: arguments and results are `Codable`, errors
/// thrown by the remote handler come back as ``RPCError``.
///
/// ```swift
/// let req = Req0()
/// try await req.dial("tcp://127.0.0.1:5555")
/// let client = RPCClient(socket: req)
/// let sum: Int = try await client.call("add", AddArguments(a: 1, b: 2), timeout: .seconds(1))
/// ```
///
/// Any number of calls may run at once from many tasks over the one socket and connection;
/// each is matched to its own reply. Cancelling a calling task abandons its call (a reply
/// that comes later is dropped).
public struct RPCClient: Sendable {
  /// The socket the calls go out on.
  public let socket: Req0
  /// How arguments are encoded and results decoded; the server must use the same.
  public let codec: any RPCCodec

  /// A client calling over `socket` (dialed or listening, before or after this call).
  public init(socket: Req0, codec: any RPCCodec = JSONRPCCodec()) {
    self.socket = socket
    self.codec = codec
  }

  /// Calls `method` with `arguments` and waits for its result, up to the socket's receive
  /// timeout.
  ///
  /// - Throws: ``RPCError`` for a failed call (the remote handler threw, unknown method, bad
  ///   arguments …), ``SPError/timedOut``, ``SPError/closed``, or `CancellationError`.
  public func call<Arguments: Encodable, Output: Decodable>(
    _ method: String, _ arguments: Arguments, returning: Output.Type = Output.self
  ) async throws -> Output {
    try await call(method, arguments, returning: returning, timeout: socket.options.receiveTimeout)
  }

  /// Calls `method` with `arguments` and waits for its result, up to `timeout` (forever for
  /// `nil`).
  ///
  /// - Throws: ``RPCError`` for a failed call (the remote handler threw, unknown method, bad
  ///   arguments …), ``SPError/timedOut`` when no reply came within `timeout`,
  ///   ``SPError/closed``, or `CancellationError`.
  public func call<Arguments: Encodable, Output: Decodable>(
    _ method: String, _ arguments: Arguments, returning: Output.Type = Output.self, timeout: Duration?
  ) async throws -> Output {
    var body = ByteBuffer()
    try RPCCall.writeRequest(method, arguments, codec: codec, into: &body)
    return try await send(body, method: method, timeout: timeout)
  }

  /// Calls `method`, which takes no arguments, and waits for its result, up to the socket's
  /// receive timeout. The request carries no payload.
  ///
  /// - Throws: as ``call(_:_:returning:timeout:)``.
  public func call<Output: Decodable>(
    _ method: String, returning: Output.Type = Output.self
  ) async throws
    -> Output
  {
    try await call(method, returning: returning, timeout: socket.options.receiveTimeout)
  }

  /// Calls `method`, which takes no arguments, and waits for its result, up to `timeout`
  /// (forever for `nil`). The request carries no payload.
  ///
  /// - Throws: as ``call(_:_:returning:timeout:)``.
  public func call<Output: Decodable>(
    _ method: String, returning: Output.Type = Output.self, timeout: Duration?
  ) async throws -> Output {
    var body = ByteBuffer()
    try RPCCall.writeRequest(method, RPCNoArguments?.none, codec: codec, into: &body)
    return try await send(body, method: method, timeout: timeout)
  }

  /// Sends a request body and decodes the reply.
  private func send<Output: Decodable>(
    _ body: ByteBuffer, method: String, timeout: Duration?
  ) async throws
    -> Output
  {
    let reply = try await socket.request(Message(body: body), timeout: timeout)
    return try RPCCall.result(of: reply.body, method: method, codec: codec)
  }
}
