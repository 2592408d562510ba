/// The first byte of an RPC reply: whether the call succeeded and, if not, why.
///
/// Every status other than ``ok`` is followed by the same error payload: a big-endian `u16`
/// length, that many bytes of the error's type name, and the rest of the body as the message
/// (both UTF-8). See <doc:RPC> for the whole envelope.
public enum RPCStatus: UInt8, Sendable, Hashable, CaseIterable {
  /// The call succeeded; the rest of the body is the result, in the codec's encoding.
  case ok = 0
  /// The handler threw; the error payload carries the error's type name and description.
  case handlerError = 1
  /// No handler is registered under the method name.
  case unknownMethod = 2
  /// The arguments could not be decoded as the handler's argument type.
  case badArguments = 3
  /// The request's envelope could not be read.
  case malformedRequest = 4
}
