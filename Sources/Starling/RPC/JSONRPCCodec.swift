#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The default ``RPCCodec``: JSON, with Foundation's `JSONEncoder` and `JSONDecoder`.
///
/// Arguments and results are plain JSON values (`{"a":1,"b":2}`, `3`, `"text"`), so any
/// language's JSON library can speak to an ``RPCServer`` or answer an ``RPCClient``.
public struct JSONRPCCodec: RPCCodec {
  private let encoder: JSONEncoder
  private let decoder: JSONDecoder

  /// A codec with the given encoder and decoder (their default settings if omitted). Configure
  /// them before passing them in; the codec does not change them afterwards.
  public init(encoder: JSONEncoder = JSONEncoder(), decoder: JSONDecoder = JSONDecoder()) {
    self.encoder = encoder
    self.decoder = decoder
  }

  /// Appends the JSON of `value` to `buffer`.
  public func encode<Value: Encodable>(_ value: Value, into buffer: inout ByteBuffer) throws {
    let data = try encoder.encode(value)
    _ = data.withUnsafeBytes { buffer.writeBytes($0) }
  }

  /// Decodes `type` from the JSON in `buffer`'s readable bytes.
  public func decode<Value: Decodable>(_ type: Value.Type, from buffer: ByteBuffer) throws -> Value {
    try decoder.decode(type, from: Data(buffer.readableBytesView))
  }
}
